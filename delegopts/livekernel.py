"""Ask the running kernel: mount bpffs with an option string, read what it shows, unmount.

This is the oracle delegopts is tested against, and what ``bench/`` compares speed with.
It needs CAP_SYS_ADMIN; :func:`mount_unavailable` says why it cannot run where it cannot.

>>> reason = mount_unavailable()
>>> reason is None or isinstance(reason, str)
True
"""

from __future__ import annotations

import ctypes
import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["MountResult", "TrialMounter", "fs_options", "mount_unavailable"]

_MOUNTINFO = "/proc/self/mountinfo"


@dataclass(frozen=True, slots=True)
class MountResult:
    """Whether the kernel mounted, the errno name if not, and the bpffs part it showed."""

    ok: bool
    errno_name: str | None
    options: str | None


def fs_options(super_options: str) -> str:
    """The bpffs part of a mountinfo super-options field: the ``key=value`` pieces.

    The VFS part (``rw``/``ro``, ``sync``, ``dirsync``, ``mand``, ``lazytime``) never has '='.

    >>> fs_options("rw,uid=5,delegate_cmds=any")
    'uid=5,delegate_cmds=any'
    """
    return ",".join(piece for piece in super_options.split(",") if "=" in piece)


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]  # fmt: skip
    libc.mount.restype = ctypes.c_int
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.umount2.restype = ctypes.c_int
    return libc


class TrialMounter:
    """Mount bpffs on a private temporary directory, one option string at a time.

    >>> with TrialMounter() as kernel:          # doctest: +SKIP
    ...     kernel.trial("delegate_cmds=prog_load:MAP_CREATE").options
    'delegate_cmds=map_create:prog_load'
    """

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="delegopts-trial-"))
        self._target = os.fsencode(self._dir)
        self._libc = _libc()

    def __enter__(self) -> TrialMounter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        while self._libc.umount2(self._target, 0) == 0:
            pass
        self._dir.rmdir()

    def trial(self, options: str) -> MountResult:
        """Mount with ``options`` as mount(2) data, read /proc/self/mountinfo, unmount."""
        data = options.encode("utf-8", "surrogateescape")
        if self._libc.mount(b"bpffs", self._target, b"bpf", 0, data) != 0:
            code = ctypes.get_errno()
            return MountResult(False, errno.errorcode.get(code, str(code)), None)
        try:
            return MountResult(True, None, fs_options(self._super_options()))
        finally:
            if self._libc.umount2(self._target, 0) != 0:
                code = ctypes.get_errno()
                raise OSError(code, f"cannot unmount {self._dir}: {os.strerror(code)}")

    def _super_options(self) -> str:
        mount_point = str(self._dir)
        found = None
        with open(_MOUNTINFO, encoding="utf-8", errors="surrogateescape") as lines:
            for line in lines:
                fields = line.split(" ")
                if len(fields) > 4 and fields[4] == mount_point and " - " in line:
                    found = line.rstrip("\n").split(" - ", 1)[1].split(" ")
        if found is None or len(found) < 3:
            raise OSError(f"the mount on {mount_point} is missing from {_MOUNTINFO}")
        return found[2]


def mount_unavailable() -> str | None:
    """None if this process can mount bpffs, else the reason it cannot."""
    if not Path("/proc/filesystems").exists():
        return "no /proc/filesystems: not a Linux system with procfs"
    if "\tbpf\n" not in Path("/proc/filesystems").read_text():
        return "the running kernel has no bpf filesystem"
    try:
        with TrialMounter() as kernel:
            result = kernel.trial("")
    except OSError as error:
        return f"cannot try a mount: {error}"
    if not result.ok:
        return f"mount -t bpf is not permitted here ({result.errno_name}): run as root to test"
    return None
