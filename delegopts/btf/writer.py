"""Write small, valid raw BTF blobs: test fixtures built in code, and slim snapshots.

The output is what the kernel and bpftool accept: a 24-byte header, the type section,
and a string section starting with the empty string. Struct members all get one
``unsigned int`` type: a snapshot records member *names* (which bpffs keys a kernel
knows), not layouts.

>>> blob = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])])
>>> blob[:2].hex(), len(blob)
('9feb', 68)
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["EnumSpec", "StructSpec", "write_btf"]

_KIND_INT, _KIND_STRUCT, _KIND_ENUM, _KIND_ENUM64 = 1, 4, 6, 19


@dataclass(frozen=True)
class EnumSpec:
    """An enum to write: its name and ``(enumerator, value)`` pairs in declaration order."""

    name: str
    enumerators: Sequence[tuple[str, int]]
    size: int = 4
    signed: bool = False
    enum64: bool = False


@dataclass(frozen=True)
class StructSpec:
    """A struct to write: its name and member names (each typed ``unsigned int``)."""

    name: str
    members: Sequence[str] = field(default_factory=tuple)


class _Strings:
    def __init__(self) -> None:
        self.blob = bytearray(b"\0")
        self.index: dict[str, int] = {"": 0}

    def add(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.blob)
            self.blob += text.encode("utf-8", "surrogateescape") + b"\0"
        return self.index[text]


def write_btf(types: Sequence[EnumSpec | StructSpec], *, big_endian: bool = False) -> bytes:
    """Serialise ``types`` (in order, type ids from 1; an INT comes first if a struct needs it)."""
    end = ">" if big_endian else "<"
    strings = _Strings()
    body = bytearray()
    int_id = 0
    if any(isinstance(spec, StructSpec) for spec in types):
        int_id = 1
        encoding = 0  # unsigned, 32 bits at offset 0
        body += struct.pack(
            end + "IIII", strings.add("unsigned int"), _KIND_INT << 24, 4, encoding | 32
        )
    for spec in types:
        if isinstance(spec, StructSpec):
            info = (_KIND_STRUCT << 24) | len(spec.members)
            body += struct.pack(end + "III", strings.add(spec.name), info, 4 * len(spec.members))
            for index, member in enumerate(spec.members):
                body += struct.pack(end + "III", strings.add(member), int_id, 32 * index)
            continue
        kind = _KIND_ENUM64 if spec.enum64 else _KIND_ENUM
        info = (int(spec.signed) << 31) | (kind << 24) | len(spec.enumerators)
        body += struct.pack(end + "III", strings.add(spec.name), info, spec.size)
        for name, value in spec.enumerators:
            if spec.enum64:
                raw = value & 0xFFFFFFFFFFFFFFFF
                body += struct.pack(end + "III", strings.add(name), raw & 0xFFFFFFFF, raw >> 32)
            else:
                body += struct.pack(end + ("Ii" if spec.signed else "II"), strings.add(name), value)
    header = struct.pack(
        end + "HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(body), len(body), len(strings.blob)
    )
    return header + bytes(body) + bytes(strings.blob)
