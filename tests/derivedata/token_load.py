"""Load a BPF object with libbpf through a BPF token, as a container would.

A bpffs is mounted with the options for a child in its own user namespace, as the kernel
selftests set a token up (:func:`delegated.with_delegated_bpffs`); the child attaches the
mount to a directory of its own mount namespace and runs the loader with
``LIBBPF_BPF_TOKEN_PATH`` pointing at it, so libbpf creates the token and uses it for every
call, probes included.

The loader is ``bpftool prog loadall OBJECT PINDIR`` (libbpf inside), run through the
dynamic loader given, so a newer libc unpacked beside the system's serves it.
x86-64 only (system call numbers).
"""

from __future__ import annotations

import ctypes
import functools
import os
import subprocess
import tempfile
from pathlib import Path

from delegated import libc, syscall, with_delegated_bpffs

__all__ = ["Loaded", "load", "load_as_root"]

_SYS_MOVE_MOUNT = 429
_CLONE_NEWNS = 0x00020000
_MOVE_MOUNT_F_EMPTY_PATH = 0x4
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_TIMEOUT = 120

#: (loaded, the loader's exit status, the end of its standard error)
Loaded = tuple[bool, int, str]


def _run_loader(target: str, command: list[str], mount: int) -> dict[str, object]:
    """In the child: the mount on ``target``, then the loader with the token path there."""
    syscall(_SYS_MOVE_MOUNT, ctypes.c_int(mount), b"", ctypes.c_int(-100), target.encode(),
            ctypes.c_uint(_MOVE_MOUNT_F_EMPTY_PATH))  # fmt: skip
    env = dict(os.environ, LIBBPF_BPF_TOKEN_PATH=target)
    done = subprocess.run([*command, f"{target}/pins"], env=env, capture_output=True,
                          text=True, errors="replace", timeout=_TIMEOUT, check=False)  # fmt: skip
    return {"status": done.returncode, "stderr": done.stderr[-4000:]}


def load(options: str, loader: list[str]) -> Loaded:
    """Run ``loader`` (``[..., "bpftool", "prog", "loadall", OBJECT]``; the pin directory
    is appended) with a token from a bpffs mounted with ``options`` (``key=value,...``)."""
    with tempfile.TemporaryDirectory(prefix="delegopts-token-") as scratch:
        target = str(Path(scratch, "bpffs"))
        os.mkdir(target)
        run = functools.partial(_run_loader, target, loader)
        answer = with_delegated_bpffs(options, run, timeout=_TIMEOUT + 30)
    if "error" in answer:
        return False, -1, f"setting up the token: {answer['error']}"
    status = int(answer["status"])
    return status == 0, status, str(answer["stderr"])


def load_as_root(loader: list[str]) -> Loaded:
    """Run ``loader`` as this process (root, no token) with a bpffs of a private mount
    namespace to pin into: what the object does where no token limits it."""
    with tempfile.TemporaryDirectory(prefix="delegopts-root-") as scratch:
        target = str(Path(scratch, "bpffs"))
        os.mkdir(target)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            status = 1
            try:
                if libc.unshare(_CLONE_NEWNS) != 0:
                    raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
                if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
                    raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
                if libc.mount(b"bpffs", target.encode(), b"bpf", 0, None) != 0:
                    raise OSError(ctypes.get_errno(), "mount -t bpf")
                done = subprocess.run([*loader, f"{target}/pins"], capture_output=True,
                                      timeout=_TIMEOUT, check=False)  # fmt: skip
                status = done.returncode
            finally:
                os._exit(status)
        _, code = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(code)
    return status == 0, status, ""
