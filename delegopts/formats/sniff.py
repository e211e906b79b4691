"""Which format a file is, by what it holds: what ``check FILE`` reads it as.

The shapes are told apart by lines only one of them has: a mountinfo line, a mount(8) or
findmnt listing, a unit's ``[Section]``, an fstab entry of type ``bpf``, a mount command,
Incus's ``security.bpffs.*`` or LXD's ``security.delegate_bpf*`` keys (in any shape:
YAML, JSON, ``incus``/``lxc`` commands, ``key=value`` lines). None when nothing tells.

>>> sniff("none on /sys/fs/bpf type bpf (rw,relatime,delegate_cmds=any)\\n")
'mountinfo'
>>> sniff("lxc config set c1 security.delegate_bpf=true\\n")
'lxd'
>>> sniff("[Service]\\nPrivateBPF=yes\\n"), sniff("just words")
('unit', None)
>>> sniff("bpf /sys/fs/bpf bpf rw,nosuid 0 0\\n"), sniff("bpffs /b bpf defaults 0 0\\n")
('mountinfo', 'fstab')
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from delegopts.formats import Format


__all__ = ["sniff", "sniff_stream"]

_SECTION = re.compile(r"^\s*\[(Unit|Service|Mount|Install|Socket|Swap|Automount)\]\s*$", re.M)
_FSTAB = re.compile(r"^\s*[^#\s]\S*\s+\S+\s+(bpf|bpffs)(\s|$)", re.M)
_MOUNT_COMMAND = re.compile(r"^\s*(?:sudo\s+)?(?:/\S*/)?mount\s+(?:\S+\s+)*-t\s*bpf\b", re.M)
_INCUS = re.compile(r"security\.bpffs\.")
_LXD = re.compile(r"security\.delegate_bpf")
_LIMIT = 1 << 16  # the first 64 KiB: a listing or a configuration says what it is early


def sniff(text: str) -> Format | None:
    """``mountinfo``, ``unit``, ``fstab``, ``command``, ``incus`` or ``lxd``; None if unsure."""
    from delegopts.formats.mountinfo import looks_like_mountinfo
    from delegopts.formats.mountlist import mount_output_kind

    head = text[:_LIMIT]
    first = next((line for line in head.splitlines() if line.strip()), "")
    if first and looks_like_mountinfo(first) and re.match(r"^\d+ \d+ ", first):
        return "mountinfo"
    if mount_output_kind(head) is not None:
        return "mountinfo"
    incus, lxd = _INCUS.search(head), _LXD.search(head)
    if incus or lxd:
        if incus and lxd:  # both: the one written first is the file's manager
            return "incus" if incus.start() < lxd.start() else "lxd"
        return "incus" if incus else "lxd"
    if _SECTION.search(head):
        return "unit"
    if _MOUNT_COMMAND.search(head):
        return "command"
    if _FSTAB.search(head):
        return "mountinfo" if _proc_mounts(head) else "fstab"
    return None


def _proc_mounts(text: str) -> bool:
    """/proc/mounts: six fields a line, options led by the kernel's ``rw`` or ``ro``."""
    rows = [line.split() for line in text.splitlines() if line.strip()]
    return all(len(r) == 6 and r[3].split(",")[0] in ("rw", "ro") and r[4:] == ["0", "0"]
               for r in rows)  # fmt: skip


def sniff_stream(stream: TextIO) -> tuple[Format | None, TextIO]:
    """:func:`sniff` the head of ``stream``; the stream returned reads it all from the start.

    >>> kind, stream = sniff_stream(io.StringIO("[Service]\\nPrivateBPF=yes\\n"))
    >>> kind, stream.read()
    ('unit', '[Service]\\nPrivateBPF=yes\\n')
    """
    head = stream.read(_LIMIT)
    if head.endswith("\r"):  # keep a \r\n line end whole
        head += stream.read(1)
    replay: TextIO = _Replay(head, stream)  # type: ignore[assignment]  # reads as one
    return sniff(head), replay


class _Replay:
    """``head`` (already read from ``stream``), then the rest of ``stream``, line by line:
    the reading half of a text stream, which is all the formats use."""

    def __init__(self, head: str, stream: TextIO) -> None:
        self._head = io.StringIO(head, newline="")
        self._stream = stream

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line

    def readline(self, size: int | None = -1) -> str:
        del size
        line = self._head.readline()
        if not line.endswith(("\n", "\r")):  # the head ends inside this line, or is done
            line += self._stream.readline()
        return line

    def read(self, size: int | None = -1) -> str:
        del size
        return self._head.read() + self._stream.read()
