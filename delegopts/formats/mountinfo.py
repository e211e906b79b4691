"""/proc/self/mountinfo (and /proc/mounts): every bpffs mount and the options it shows.

>>> line = "57 24 0:49 / /sys/fs/bpf/t rw,relatime - bpf bpffs rw,uid=5,delegate_cmds=any"
>>> scan, mounts = scan_mountinfo(line + "\\n", "mountinfo")
>>> mounts[0].mount_point, mounts[0].found.options
('/sys/fs/bpf/t', 'uid=5,delegate_cmds=any')
"""

from __future__ import annotations

from dataclasses import dataclass

from delegopts.diagnostics import Code, Diagnostic
from delegopts.formats._found import Builder, Found, Scan, finding, unescape
from delegopts.formats.fstab import BPF_TYPE, data_from_field, scan_fstab
from delegopts.grammar.lines import LineSyntaxError, parse_line

__all__ = ["Mount", "looks_like_mountinfo", "scan_mountinfo", "scan_mounts"]


@dataclass(frozen=True, slots=True)
class Mount:
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
    mounts: list[Mount] = []
    findings: list[Diagnostic] = []
    skipped = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            node = parse_line("mountinfo", line)
        except LineSyntaxError as error:
            findings.append(
                finding(
                    Code.MOUNTINFO_LINE,
                    f"not a mountinfo line: {error}",
                    path,
                    number,
                    line,
                    error.span,
                    "copy /proc/self/mountinfo unchanged",
                )
            )
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
        mounts.append(
            Mount(
                int(str(numbers[0])),
                target,
                unescape(str(source), 0)[0],
                str(mount_options),
                super_options,
                found,
            )
        )
    return Scan.of((m.found for m in mounts), findings, skipped), mounts


def scan_mounts(text: str, path: str) -> tuple[Scan, list[Mount]]:
    """A mountinfo dump or a /proc/mounts dump, whichever ``text`` is."""
    if looks_like_mountinfo(text):
        return scan_mountinfo(text, path)
    scan = scan_fstab(text, path, kind="mounts")
    mounts = [Mount(None, found.target or "", "", "", found.options, found) for found in scan.found]
    return scan, mounts
