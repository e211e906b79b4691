"""Run code in a child that has a bpffs mounted with delegate options, as a container would.

As the kernel selftest sets it up (tools/testing/selftests/bpf/prog_tests/token.c): a
child enters a new user namespace (root in it mapped to root) and a new mount namespace and
opens a bpffs context (``fsopen``); this process, root of the initial namespace, sets the
delegate options on it, one ``fsconfig(FSCONFIG_SET_STRING)`` per ``key=value`` piece as
tools do, and creates the mount (``fsmount``); the child gets the mount's file descriptor
and runs the given function, whose JSON-able answer comes back. x86-64 system call numbers.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
from collections.abc import Callable
from typing import Any

__all__ = ["libc", "syscall", "with_delegated_bpffs"]

libc = ctypes.CDLL(None, use_errno=True)
_SYS_FSOPEN, _SYS_FSCONFIG, _SYS_FSMOUNT = 430, 431, 432
_CLONE_NEWUSER, _CLONE_NEWNS = 0x10000000, 0x00020000
_FSCONFIG_SET_STRING, _FSCONFIG_CMD_CREATE = 1, 6


def syscall(number: int, *args: object) -> int:
    """``syscall(2)``; a failure raises ``OSError`` with its errno."""
    result = int(libc.syscall(ctypes.c_long(number), *args))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _enter(sock: socket.socket) -> int:
    """In the child: the new namespaces, the bpffs context out, the mount back."""
    if libc.unshare(_CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", "0 0 1")
    _write("/proc/self/gid_map", "0 0 1")
    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    context = syscall(_SYS_FSOPEN, b"bpf", 0)
    socket.send_fds(sock, [b"c"], [context])
    _, fds, _, _ = socket.recv_fds(sock, 1, 1)
    return fds[0]


def with_delegated_bpffs(
    options: str, run: Callable[[int], dict[str, Any]], *, timeout: float = 20
) -> dict[str, Any]:
    """``run(mount_fd)`` in the child, with bpffs mounted with ``options``; its answer.

    Where setting up fails in the child, the answer is ``{"error": ...}``; a refusal of
    the options here raises ``OSError``.
    """
    mine, theirs = socket.socketpair()
    mine.settimeout(timeout)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        mine.close()
        try:
            answer = run(_enter(theirs))
        except BaseException as error:
            answer = {"error": repr(error)}
        theirs.sendall(json.dumps(answer).encode())
        os._exit(0)
    theirs.close()
    try:
        _, fds, _, _ = socket.recv_fds(mine, 1, 1)
        if not fds:
            return dict(json.loads(mine.recv(65536) or b'{"error": "no context"}'))
        context = fds[0]
        try:
            for piece in filter(None, options.split(",")):
                key, _, value = piece.partition("=")
                syscall(_SYS_FSCONFIG, ctypes.c_int(context), ctypes.c_uint(_FSCONFIG_SET_STRING),
                        key.encode(), value.encode(), ctypes.c_int(0))  # fmt: skip
            syscall(_SYS_FSCONFIG, ctypes.c_int(context), ctypes.c_uint(_FSCONFIG_CMD_CREATE),
                    None, None, ctypes.c_int(0))  # fmt: skip
            mount = syscall(_SYS_FSMOUNT, ctypes.c_int(context), ctypes.c_uint(0),
                            ctypes.c_uint(0))  # fmt: skip
        finally:
            os.close(context)
        socket.send_fds(mine, [b"m"], [mount])
        os.close(mount)
        data = b""
        while chunk := mine.recv(65536):
            data += chunk
        return dict(json.loads(data or b'{"error": "no answer from the child"}'))
    finally:
        mine.close()
        os.waitpid(pid, 0)
