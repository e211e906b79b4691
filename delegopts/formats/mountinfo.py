"""/proc/self/mountinfo (and /proc/mounts): every bpffs mount and the options it shows.

>>> line = "57 24 0:49 / /sys/fs/bpf/t rw,relatime - bpf bpffs rw,uid=5,delegate_cmds=any"
>>> scan, mounts = scan_mountinfo(line + "\\n", "mountinfo")
>>> mounts[0].mount_point, mounts[0].found.options
('/sys/fs/bpf/t', 'uid=5,delegate_cmds=any')
"""

from __future__ import annotations

import itertools
from collections.abc import Generator, Iterable

from delegopts._namedtuple import NamedTuple
from delegopts.diagnostics import Code, Diagnostic
from delegopts.formats._found import Builder, Found, Scan, finding, text_lines, unescape
from delegopts.formats.fstab import BPF_TYPE, data_from_field, fstab_batches
from delegopts.grammar.lines import LineSyntaxError, parse_line

__all__ = [
    "Mount",
    "MountBatches",
    "looks_like_mountinfo",
    "mount_batches",
    "scan_mountinfo",
    "scan_mounts",
]

#: A batch of one line: the mount it shows, or what is wrong with it; returns how many
#: mounts of other filesystems were left alone.
MountBatches = Generator[list["Mount | Diagnostic"], None, int]


class Mount(NamedTuple):
    """One bpffs mount: where, from what, its per-mount flags and its bpffs options."""

    mount_id: int | None
    mount_point: str
    source: str
    mount_options: str
    super_options: str
    found: Found


def looks_like_mountinfo(text: str) -> bool:
    """Whether ``text`` is mountinfo (else it is taken as /proc/mounts).

    >>> looks_like_mountinfo("bpf /sys/fs/bpf bpf rw 0 0\\n")
    False
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        parse_line("mountinfo", first)
    except LineSyntaxError:
        return False
    return True


def scan_mountinfo(text: str, path: str) -> tuple[Scan, list[Mount]]:
    """The bpffs mounts of a mountinfo dump, and findings with lines it cannot read."""
    return _collect(_mountinfo_batches(text_lines(text), path))


def scan_mounts(text: str, path: str) -> tuple[Scan, list[Mount]]:
    """A mountinfo dump or a /proc/mounts dump, whichever ``text`` is."""
    return _collect(mount_batches(text_lines(text), path))


def mount_batches(lines: Iterable[tuple[int, str]], path: str) -> MountBatches:
    """:func:`scan_mounts` a line at a time, as its first line says: mountinfo or mounts."""
    lines = iter(lines)
    head = list(itertools.islice(lines, _HEAD))
    first = next(((n, line) for n, line in head if line.strip()), None)
    if first is not None and looks_like_mountinfo(first[1]):
        return (yield from _mountinfo_batches(itertools.chain(head, lines), path))
    from delegopts.formats.mountlist import mount_output_kind

    if mount_output_kind("\n".join(line for _, line in head)) is not None:
        return (yield from _listing_batches(itertools.chain(head, lines), path))
    return (yield from _mounts_batches(itertools.chain(head, lines), path))


#: How many lines tell mountinfo, /proc/mounts and mount(8) or findmnt output apart: a
#: pasted listing may start with the command that printed it.
_HEAD = 8


def _listing_batches(lines: Iterable[tuple[int, str]], path: str) -> MountBatches:
    """What mount(8) or findmnt(8) printed: read whole, as a terminal showed it (a mount
    line may be wrapped, findmnt -J is one document)."""
    from delegopts.formats.mountlist import scan_mount_output

    text = "\n".join(line for _, line in lines)
    listing, listed = scan_mount_output(text, path)
    mounts = [Mount(None, m.mount_point, m.source, "", m.found.options, m.found) for m in listed]
    yield [*listing.findings, *mounts]
    return listing.skipped


def _mounts_batches(lines: Iterable[tuple[int, str]], path: str) -> MountBatches:
    batches = fstab_batches(lines, path, kind="mounts")
    while True:
        try:
            batch = next(batches)
        except StopIteration as done:
            return int(done.value or 0)
        yield [
            Mount(None, e.target or "", "", "", e.options, e) if isinstance(e, Found) else e
            for e in batch
        ]


#: In every line the grammar reads as a bpffs mount: the separator and the filesystem type,
#: ``_SP DASH _SP FIELD`` with the type ``bpf`` (also the start of a line cut after it).
_BPF_SEPARATOR = f" - {BPF_TYPE}"
#: The separator alone (``_SP DASH _SP``): a line without it is never a mountinfo line.
_SEPARATOR = " - "


def _other_filesystem(line: str) -> bool:
    """Whether ``line`` is certainly not a bpffs mount, without running the grammar.

    A line the grammar reads with the type ``bpf`` contains ``" - bpf"``, so a line
    without it is not a bpffs mount, whatever else it holds: on a host with thousands of
    mounts this is what keeps the others cheap. What this skips unread: lines that have the
    separator but not a bpf type and that the grammar would refuse (a lost blank, a
    non-numeric mount ID); they are not bpffs mounts, so no option string is lost. Lines
    without any separator (truncated, another format) still go to the grammar and are
    reported.
    """
    return _BPF_SEPARATOR not in line and _SEPARATOR in line


def _mountinfo_batches(lines: Iterable[tuple[int, str]], path: str) -> MountBatches:
    skipped = 0
    for number, line in lines:
        if _other_filesystem(line):
            skipped += 1
            continue
        if not line.strip():
            continue
        try:
            node = parse_line("mountinfo", line)
        except LineSyntaxError as error:
            yield [
                finding(
                    Code.MOUNTINFO_LINE,
                    f"not a mountinfo line: {error}",
                    path,
                    number,
                    line,
                    error.span,
                    "copy /proc/self/mountinfo unchanged",
                )
            ]
            continue
        numbers = node.tokens("NUMBER")
        fields = node.tokens("FIELD")
        root, point, mount_options, fstype, source = fields[:5]
        del root
        if str(fstype) != BPF_TYPE:
            skipped += 1
            continue
        super_node = node.first("super")
        builder = Builder([(number, line)])
        super_options = ""
        end = len(line.rstrip())
        if super_node is not None:
            token = super_node.tokens("FIELD")[0]
            super_options = str(token)
            data_from_field(builder, 0, super_options, token.start_pos or 0)
            end = token.end_pos or end
        target = unescape(str(point), 0)[0]
        found = builder.found(
            path=path, end=(0, end), what=f"bpffs mount on {target}", target=target
        )
        mount = Mount(
            int(str(numbers[0])),
            target,
            unescape(str(source), 0)[0],
            str(mount_options),
            super_options,
            found,
        )
        yield [mount]
    return skipped


def _collect(batches: MountBatches) -> tuple[Scan, list[Mount]]:
    mounts: list[Mount] = []
    findings: list[Diagnostic] = []
    while True:
        try:
            batch = next(batches)
        except StopIteration as done:
            scan = Scan.of((m.found for m in mounts), findings, int(done.value or 0))
            return scan, mounts
        for event in batch:
            if isinstance(event, Mount):
                mounts.append(event)
            else:
                findings.append(event)
