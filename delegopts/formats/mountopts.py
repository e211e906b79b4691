"""What mount(8) passes to mount(2) as data: its options minus flags and userspace options.

libmount turns the generic options (``ro``, ``noexec``, ``relatime``...) into mount flags,
keeps userspace options (``defaults``, ``noauto``, ``user``, ``nofail``, ``_netdev``,
``x-*``, ``comment=``...) for itself, and hands only the rest to the filesystem, joined with
``,`` in the order written. Repeated ``-o`` options are joined the same way.

>>> kernel_data("defaults,noexec,delegate_cmds=any,x-systemd.automount,uid=5")
('delegate_cmds=any,uid=5', ['defaults', 'noexec', 'x-systemd.automount'])
"""

from __future__ import annotations

__all__ = ["MOUNT_FLAGS", "USERSPACE", "kept_pieces", "kernel_data", "split_commas"]

#: Options libmount maps to MS_* flags (util-linux libmount/src/optmap.c, linux_flags_map).
_FLAGS = """ro rw exec noexec suid nosuid dev nodev sync async dirsync remount bind rbind mand
    nomand atime noatime iversion noiversion diratime nodiratime relatime norelatime strictatime
    nostrictatime lazytime nolazytime symfollow nosymfollow silent loud move private rprivate
    shared rshared slave rslave unbindable runbindable recurse"""
MOUNT_FLAGS = frozenset(_FLAGS.split())
#: Options libmount keeps for itself (userspace_opts_map) and never passes to the kernel.
_USERSPACE = """defaults auto noauto user nouser users owner noowner group nogroup _netdev nofail
    loop offset sizelimit encryption uhelper helper verity.hashdevice"""
USERSPACE = frozenset(_USERSPACE.split())


def split_commas(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each comma-separated piece; commas inside ``"..."`` do not split.

    >>> split_commas('a,b="x,y",c')
    [(0, 1), (2, 9), (10, 11)]
    """
    pieces: list[tuple[int, int]] = []
    start, quoted = 0, False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            pieces.append((start, index))
            start = index + 1
    pieces.append((start, len(text)))
    return pieces


def _userspace(key: str) -> bool:
    return key in MOUNT_FLAGS or key in USERSPACE or key == "comment" or key[:2] in ("x-", "X-")


def kept_pieces(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """The pieces of ``text`` mount(2) gets, as ``[start, end)``, and the names held back."""
    kept: list[tuple[int, int]] = []
    dropped: list[str] = []
    for start, end in split_commas(text):
        piece = text[start:end]
        if not piece:
            continue
        key = piece.split("=", 1)[0]
        if _userspace(key):
            dropped.append(piece)
        else:
            kept.append((start, end))
    return kept, dropped


def kernel_data(text: str) -> tuple[str, list[str]]:
    """The data string for mount(2) and the options mount(8) keeps back."""
    kept, dropped = kept_pieces(text)
    return ",".join(text[start:end] for start, end in kept), dropped
