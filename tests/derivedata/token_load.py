"""Load a BPF object with libbpf through a BPF token, as a container would.

As the kernel selftests set a token up (tools/testing/selftests/bpf/prog_tests/token.c):
a child enters a new user and mount namespace and opens a bpffs context (``fsopen``);
this process, root of the initial namespace, sets the delegate options on it
(``fsconfig``) and creates the mount (``fsmount``); the child attaches the mount to a
directory of its own mount namespace and runs the loader with ``LIBBPF_BPF_TOKEN_PATH``
pointing at it, so libbpf creates the token and uses it for every call, probes included.

The loader is ``bpftool prog loadall OBJECT PINDIR`` (libbpf inside), run through the
dynamic loader given, so a newer libc unpacked beside the system's serves it.
x86-64 only (system call numbers).
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["Loaded", "load", "load_as_root"]

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_MOVE_MOUNT, _SYS_FSOPEN, _SYS_FSCONFIG, _SYS_FSMOUNT = 429, 430, 431, 432
_CLONE_NEWUSER, _CLONE_NEWNS = 0x10000000, 0x00020000
_FSCONFIG_SET_STRING, _FSCONFIG_CMD_CREATE = 1, 6
_MOVE_MOUNT_F_EMPTY_PATH = 0x4
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_TIMEOUT = 120

#: (loaded, the loader's exit status, the end of its standard error)
Loaded = tuple[bool, int, str]


def _syscall(number: int, *args: object) -> int:
    result = int(_libc.syscall(ctypes.c_long(number), *args))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _child(sock: socket.socket, target: str, command: list[str]) -> dict[str, object]:
    if _libc.unshare(_CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", "0 0 1")
    _write("/proc/self/gid_map", "0 0 1")
    if _libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    context = _syscall(_SYS_FSOPEN, b"bpf", 0)
    socket.send_fds(sock, [b"c"], [context])
    _, fds, _, _ = socket.recv_fds(sock, 1, 1)
    _syscall(_SYS_MOVE_MOUNT, ctypes.c_int(fds[0]), b"", ctypes.c_int(-100), target.encode(),
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
        mine, theirs = socket.socketpair()
        mine.settimeout(_TIMEOUT + 30)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            mine.close()
            try:
                answer: dict[str, object] = _child(theirs, target, loader)
            except BaseException as error:
                answer = {"status": -1, "stderr": f"setting up the token: {error!r}"}
            theirs.sendall(json.dumps(answer).encode())
            os._exit(0)
        theirs.close()
        try:
            _, fds, _, _ = socket.recv_fds(mine, 1, 1)
            if fds:
                context = fds[0]
                for piece in filter(None, options.split(",")):
                    key, _, value = piece.partition("=")
                    _syscall(_SYS_FSCONFIG, ctypes.c_int(context),
                             ctypes.c_uint(_FSCONFIG_SET_STRING), key.encode(), value.encode(),
                             ctypes.c_int(0))  # fmt: skip
                _syscall(_SYS_FSCONFIG, ctypes.c_int(context), ctypes.c_uint(_FSCONFIG_CMD_CREATE),
                         None, None, ctypes.c_int(0))  # fmt: skip
                mount = _syscall(_SYS_FSMOUNT, ctypes.c_int(context), ctypes.c_uint(0),
                                 ctypes.c_uint(0))  # fmt: skip
                socket.send_fds(mine, [b"m"], [mount])
                os.close(mount)
                os.close(context)
            data = b""
            while chunk := mine.recv(65536):
                data += chunk
        finally:
            mine.close()
            os.waitpid(pid, 0)
    answer = json.loads(data or b'{"status": -1, "stderr": "no answer from the child"}')
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
                if _libc.unshare(_CLONE_NEWNS) != 0:
                    raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
                if _libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
                    raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
                if _libc.mount(b"bpffs", target.encode(), b"bpf", 0, None) != 0:
                    raise OSError(ctypes.get_errno(), "mount -t bpf")
                done = subprocess.run([*loader, f"{target}/pins"], capture_output=True,
                                      timeout=_TIMEOUT, check=False)  # fmt: skip
                status = done.returncode
            finally:
                os._exit(status)
        _, code = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(code)
    return status == 0, status, ""
