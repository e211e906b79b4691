"""fstab(5) and /proc/mounts: the bpffs entries and the data string mount(8) gives the kernel.

Other filesystems' lines are read (so a broken line is still reported) and left alone;
blank lines and comments are skipped; ``\\040``-style escapes are decoded. A comment
``# delegopts: ignore=CODE[,CODE]`` on an entry's line, or on the comment line just above
it, leaves those codes out for that entry.

>>> scan = scan_fstab("# bpf\\nbpffs /sys/fs/bpf/tok bpf noexec,delegate_cmds=any 0 0\\n", "fstab")
>>> [(f.options, f.target, f.line) for f in scan.found]
[('delegate_cmds=any', '/sys/fs/bpf/tok', 2)]
"""

from __future__ import annotations

from collections.abc import Iterable

from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.formats._found import (
    Batches,
    Builder,
    Found,
    Scan,
    collect,
    finding,
    text_lines,
    unescape,
)
from delegopts.formats.mountopts import kept_pieces
from delegopts.grammar.lines import LineSyntaxError, parse_line
from delegopts.policy import ignored_codes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal


__all__ = ["BPF_TYPE", "data_from_field", "fstab_batches", "scan_fstab"]

BPF_TYPE = "bpf"


def data_from_field(builder: Builder, line: int, raw: str, start: int) -> list[str]:
    """Add the kernel's part of an options field (escaped, at column ``start``) to ``builder``.

    Returns the options mount(8) keeps back.
    """
    text, columns = unescape(raw, start)
    columns.append(start + len(raw))
    kept, dropped = kept_pieces(text)
    for number, (begin, end) in enumerate(kept):
        if number:
            builder.add_mapped(",", line, [columns[begin - 1] if begin else columns[0]])
        builder.add_mapped(text[begin:end], line, columns[begin:end])
    return dropped


def scan_fstab(text: str, path: str, *, kind: Literal["fstab", "mounts"] = "fstab") -> Scan:
    """Every bpffs entry of an fstab (or /proc/mounts when ``kind`` is ``mounts``)."""
    return collect(fstab_batches(text_lines(text), path, kind=kind))


def fstab_batches(
    lines: Iterable[tuple[int, str]], path: str, *, kind: Literal["fstab", "mounts"] = "fstab"
) -> Batches:
    """:func:`scan_fstab` a line at a time: one batch per line with a finding or an entry."""
    pending: frozenset[Code] = frozenset()
    skipped = 0
    for number, line in lines:
        try:
            node = parse_line("fstab", line)
        except LineSyntaxError as error:
            yield [finding(Code.SYNTAX, f"{kind} line: {error}", path, number, line, error.span)]
            continue
        entry = node.first("entry")
        comments = [str(t) for t in (entry or node).tokens("COMMENT")]
        ignore = pending | frozenset[Code]().union(*(ignored_codes(c) for c in comments))
        if entry is None:
            pending = ignore if comments else frozenset()
            continue
        pending = frozenset()
        fields = entry.tokens("FIELD")
        if len(fields) < 3:
            end = fields[-1].end_pos or 0
            yield [
                finding(
                    Code.FSTAB_FIELDS,
                    f"{kind} entry has {len(fields)} field(s); it needs at least 3 "
                    "(source, mount point, type): mount(8) skips it",
                    path,
                    number,
                    line,
                    Span(end, end + 1),
                    "source mount-point type options 0 0",
                )
            ]
            continue
        batch: list[Found | Diagnostic] = []
        fstype = str(fields[2])
        if fstype == "bpffs":
            start = fields[2].start_pos or 0
            batch.append(
                finding(
                    Code.NO_BPFFS_TYPE,
                    "there is no filesystem type 'bpffs': mount fails with ENODEV",
                    path,
                    number,
                    line,
                    Span(start, start + len(fstype)),
                    "write 'bpf' as the type",
                )
            )
        elif fstype != BPF_TYPE:
            skipped += 1
            continue
        target = unescape(str(fields[1]), 0)[0]
        builder = Builder([(number, line)])
        if len(fields) > 3:
            data_from_field(builder, 0, str(fields[3]), fields[3].start_pos or 0)
        end = (fields[3].end_pos or 0) if len(fields) > 3 else len(line.rstrip())
        batch.append(
            builder.found(
                path=path,
                end=(0, end),
                what=f"{kind} entry for {target}",
                target=target,
                ignore=ignore,
            )
        )
        yield batch
    return skipped
