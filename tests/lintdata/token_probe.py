"""Ask the running kernel what a BPF token from a bpffs mount really allows.

A bpffs is mounted with the options for a child in its own user namespace, as the kernel
selftest does (:func:`delegated.with_delegated_bpffs`); the child creates a token from the
mount and tries map creations and program loads with it. The answers are the errno names
(``ok``, ``EPERM``, ``EINVAL``...). x86-64 only.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import struct
from collections.abc import Callable

from delegated import syscall, with_delegated_bpffs

__all__ = ["Attempt", "probe", "unavailable"]

_SYS_BPF = 321
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


def _bpf(cmd: int, attr: bytearray) -> int:
    buffer = ctypes.create_string_buffer(bytes(attr), len(attr))
    return syscall(_SYS_BPF, ctypes.c_int(cmd), buffer, ctypes.c_uint(len(attr)))


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


def _attempt(attempts: list[Attempt], mount: int) -> dict[str, str]:
    """In the child: a token from the mount, then each attempt with it."""
    root = os.open(".", os.O_RDONLY | os.O_DIRECTORY, dir_fd=mount)
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
    """Mount bpffs for a new user namespace with ``options`` (``key=value,...``) and try."""
    return with_delegated_bpffs(options, functools.partial(_attempt, attempts))


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
