"""Ask the running kernel what a BPF token from a bpffs mount really allows.

As the kernel selftest does (prog_tests/token.c): a child enters a new user and mount
namespace and opens a bpffs context (``fsopen``); this process, root of the initial
namespace, sets the delegate options on it (``fsconfig``) and mounts it (``fsmount``); the
child creates a token from the mount and tries map creations and program loads with it.
The answers are the errno names (``ok``, ``EPERM``, ``EINVAL``...). x86-64 only.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import platform
import socket
import struct
from collections.abc import Callable

__all__ = ["Attempt", "probe", "unavailable"]

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_BPF, _SYS_FSOPEN, _SYS_FSCONFIG, _SYS_FSMOUNT = 321, 430, 431, 432
_CLONE_NEWUSER, _CLONE_NEWNS = 0x10000000, 0x00020000
_FSCONFIG_SET_STRING, _FSCONFIG_CMD_CREATE = 1, 6
_BPF_MAP_CREATE, _BPF_PROG_LOAD, _BPF_TOKEN_CREATE = 0, 5, 36
_BPF_F_TOKEN_FD = 1 << 16
_RETURN_0 = bytes.fromhex("b7000000000000009500000000000000")  # r0 = 0; exit
# r1 = r10 - 8; r2 = 8; r3 = 0; call bpf_probe_read_kernel (113); r0 = 0; exit
_READ_KERNEL = bytes.fromhex("bfa1000000000000" "07010000f8ffffff" "b702000008000000"
                             "b703000000000000" "8500000071000000") + _RETURN_0  # fmt: skip
_PROGRAMS = {
    "prog": ctypes.create_string_buffer(_RETURN_0, len(_RETURN_0)),
    "read": ctypes.create_string_buffer(_READ_KERNEL, len(_READ_KERNEL)),
}
_LICENSE = ctypes.create_string_buffer(b"GPL")

#: ("map", map type, 0), ("prog", program type, expected attach type): enum values; "read"
#: instead of "prog" loads a program that calls bpf_probe_read_kernel().
Attempt = tuple[str, int, int]


def _syscall(number: int, *args: object) -> int:
    result = int(_libc.syscall(ctypes.c_long(number), *args))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _bpf(cmd: int, attr: bytearray) -> int:
    buffer = ctypes.create_string_buffer(bytes(attr), len(attr))
    return _syscall(_SYS_BPF, ctypes.c_int(cmd), buffer, ctypes.c_uint(len(attr)))


def _map_create(token: int, map_type: int) -> int:
    attr = bytearray(80)  # union bpf_attr, MAP_CREATE part up to map_token_fd
    struct.pack_into("<IIIII", attr, 0, map_type, 0, 8, 1, _BPF_F_TOKEN_FD)
    struct.pack_into("<i", attr, 76, token)
    return _bpf(_BPF_MAP_CREATE, attr)


def _prog_load(token: int, prog_type: int, attach_type: int, program: str = "prog") -> int:
    insns = _PROGRAMS[program]
    attr = bytearray(160)  # union bpf_attr, PROG_LOAD part up to prog_token_fd and beyond
    struct.pack_into("<IIQQ", attr, 0, prog_type, len(insns) // 8, ctypes.addressof(insns),
                     ctypes.addressof(_LICENSE))  # fmt: skip
    struct.pack_into("<I", attr, 44, _BPF_F_TOKEN_FD)  # prog_flags
    struct.pack_into("<I", attr, 68, attach_type)  # expected_attach_type
    struct.pack_into("<i", attr, 144, token)  # prog_token_fd
    return _bpf(_BPF_PROG_LOAD, attr)


def _outcome(action: Callable[[], int]) -> str:
    try:
        fd = action()
    except OSError as error:
        return errno.errorcode.get(error.errno or 0, str(error.errno))
    os.close(fd)
    return "ok"


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _child(sock: socket.socket, attempts: list[Attempt]) -> dict[str, str]:
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
    root = os.open(".", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[0])
    attr = bytearray(8)
    struct.pack_into("<II", attr, 0, 0, root)
    results = {"token_create": _outcome(lambda: _bpf(_BPF_TOKEN_CREATE, attr))}
    if results["token_create"] == "ok":
        token = _bpf(_BPF_TOKEN_CREATE, attr)
        for kind, first, second in attempts:
            if kind == "map":
                results[f"map:{first}"] = _outcome(functools.partial(_map_create, token, first))
            else:
                results[f"{kind}:{first}:{second}"] = _outcome(
                    functools.partial(_prog_load, token, first, second, kind)
                )
    return results


def probe(options: str, attempts: list[Attempt]) -> dict[str, str]:
    """Mount bpffs for a new user namespace with ``options`` (``key=value,...``) and try.

    Each ``key=value`` piece is one ``fsconfig(FSCONFIG_SET_STRING)``, as tools do.
    """
    mine, theirs = socket.socketpair()
    mine.settimeout(20)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        mine.close()
        try:
            answer = _child(theirs, attempts)
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
        for piece in filter(None, options.split(",")):
            key, _, value = piece.partition("=")
            _syscall(_SYS_FSCONFIG, ctypes.c_int(context), ctypes.c_uint(_FSCONFIG_SET_STRING),
                     key.encode(), value.encode(), ctypes.c_int(0))  # fmt: skip
        _syscall(_SYS_FSCONFIG, ctypes.c_int(context), ctypes.c_uint(_FSCONFIG_CMD_CREATE),
                 None, None, ctypes.c_int(0))  # fmt: skip
        mount = _syscall(_SYS_FSMOUNT, ctypes.c_int(context), ctypes.c_uint(0), ctypes.c_uint(0))
        socket.send_fds(mine, [b"m"], [mount])
        os.close(mount)
        os.close(context)
        data = b""
        while chunk := mine.recv(65536):
            data += chunk
        return dict(json.loads(data))
    finally:
        mine.close()
        os.waitpid(pid, 0)


def unavailable() -> str | None:
    """None if :func:`probe` can run here, else why not."""
    if platform.machine() != "x86_64":
        return "the probe uses x86-64 system call numbers"
    if os.geteuid() != 0:
        return "needs root: the delegate options can only be set from the initial namespace"
    try:
        answer = probe("delegate_cmds=btf_load", [])
    except OSError as error:
        return f"cannot set up a bpffs for a user namespace: {error}"
    if answer.get("token_create") != "ok":
        return f"no BPF token from a delegating bpffs here: {answer}"
    return None
