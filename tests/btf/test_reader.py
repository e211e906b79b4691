"""The raw BTF reader: both byte orders, every kind walked, ENUM and ENUM64 decoded.

Fixtures are built here, record by record, one field a line.
"""

from __future__ import annotations

import struct

import pytest

from delegopts.btf import BTF, KIND_NAMES
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf
from delegopts.catalog import Catalog, OptionKind
from delegopts.errors import BTFError


def _blob(types: bytes, strings: bytes, end: str = "<") -> bytes:
    header = struct.pack(
        end + "HBBIIIII",
        0xEB9F,  # magic
        1,  # version
        0,  # flags
        24,  # header length
        0,  # type section offset
        len(types),  # type section length
        len(types),  # string section offset
        len(strings),  # string section length
    )
    return header + types + strings


def _every_kind(end: str) -> bytes:
    """One record of each kind 1..19, each with the trailer its kind and vlen need."""
    u32 = struct.Struct(end + "I").pack

    def common(kind: int, vlen: int = 0, size_or_type: int = 1, name: int = 0) -> bytes:
        return struct.pack(end + "III", name, (kind << 24) | vlen, size_or_type)

    return b"".join(
        [
            common(1, size_or_type=4) + u32(32),  # INT: encoding word
            common(2),  # PTR
            common(3) + struct.pack(end + "III", 1, 1, 4),  # ARRAY: type, index type, nelems
            common(4, 2, 8) + struct.pack(end + "III", 1, 1, 0) * 2,  # STRUCT, 2 members
            common(5, 1, 4) + struct.pack(end + "III", 1, 1, 0),  # UNION, 1 member
            common(6, 2, 4) + struct.pack(end + "Ii", 1, 0) * 2,  # ENUM, 2 enumerators
            common(7),  # FWD
            common(8),  # TYPEDEF
            common(9),  # VOLATILE
            common(10),  # CONST
            common(11),  # RESTRICT
            common(12),  # FUNC
            common(13, 3) + struct.pack(end + "II", 0, 1) * 3,  # FUNC_PROTO, 3 params
            common(14) + u32(1),  # VAR: linkage
            common(15, 1, 8) + struct.pack(end + "III", 1, 0, 4),  # DATASEC, 1 var
            common(16, size_or_type=8),  # FLOAT
            common(17) + u32(0xFFFFFFFF),  # DECL_TAG: component index -1
            common(18),  # TYPE_TAG
            common(19, 2, 8) + struct.pack(end + "III", 1, 0, 1) * 2,  # ENUM64, 2 values
        ]
    )


@pytest.mark.parametrize("end", ["<", ">"])
def test_every_kind_is_walked_in_both_byte_orders(end: str) -> None:
    btf = BTF.from_bytes(_blob(_every_kind(end), b"\0x\0", end))
    assert btf.big_endian is (end == ">")
    assert [record.kind for record in btf.walk()] == list(range(1, 20))
    assert btf.count_types() == dict.fromkeys(KIND_NAMES.values(), 1)


ENUM64_CASES = [
    # (signed, declared value, value read back)
    (False, 2**64 - 1, 2**64 - 1),
    (False, 1 << 40, 1 << 40),
    (True, -1, -1),
    (True, -(2**63), -(2**63)),
]


@pytest.mark.parametrize(("signed", "value", "expected"), ENUM64_CASES)
@pytest.mark.parametrize("big_endian", [False, True])
def test_enum64_values(signed: bool, value: int, expected: int, big_endian: bool) -> None:
    blob = write_btf(
        [EnumSpec("wide", [("W_A", value), ("W_B", 7)], size=8, signed=signed, enum64=True)],
        big_endian=big_endian,
    )
    btf = BTF.from_bytes(blob)
    record = btf.find("wide", 19)
    assert record is not None
    decoded = btf.enum(record)
    assert (decoded.kind_name, decoded.size, decoded.signed) == ("ENUM64", 8, signed)
    assert [(e.name, e.value) for e in decoded.enumerators] == [("W_A", expected), ("W_B", 7)]


def test_signed_enum_reads_negative_values() -> None:
    btf = BTF.from_bytes(write_btf([EnumSpec("s", [("S_NEG", -5), ("S_POS", 5)], signed=True)]))
    found = btf.find("s", 6)
    assert found is not None
    assert [e.value for e in btf.enum(found).enumerators] == [-5, 5]


def test_an_enum64_bpf_cmd_is_not_what_bpffs_reads() -> None:
    """bpffs looks only at BTF_KIND_ENUM: with bpf_cmd as ENUM64 it falls back to hex."""
    cmds = [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5), ("__MAX_BPF_CMD", 6)]
    wide = Catalog.from_bytes(write_btf([EnumSpec("bpf_cmd", cmds, size=8, enum64=True)]))
    narrow = Catalog.from_bytes(write_btf([EnumSpec("bpf_cmd", cmds)]))
    assert [n.name for n in narrow[OptionKind.CMDS]] == ["map_create", "prog_load"]
    assert list(wide[OptionKind.CMDS]) == []


@pytest.mark.parametrize("big_endian", [False, True])
def test_both_byte_orders_give_the_same_catalog(big_endian: bool) -> None:
    types = [
        EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_TOKEN_CREATE", 36),
                             ("__MAX_BPF_CMD", 37)]),
        StructSpec("bpf_mount_opts", ["uid", "gid", "mode", "delegate_cmds", "delegate_maps",
                                      "delegate_progs", "delegate_attachs"]),
    ]  # fmt: skip
    catalog = Catalog.from_bytes(write_btf(types, big_endian=big_endian))
    assert catalog.supports_delegation and catalog.has_token_create
    assert catalog[OptionKind.CMDS].any_mask == (1 << 37) - 1
    assert [n.name for n in catalog[OptionKind.CMDS]] == ["map_create", "token_create"]


BROKEN = [
    # (what, blob, message)
    ("string offset past the section",
     _blob(struct.pack("<IIII", 99, 6 << 24 | 1, 4, 1) + struct.pack("<Ii", 1, 0), b"\0a\0"),
     "string offset 99 is past the string section (3 bytes)"),
    ("enumerators past the type section",
     _blob(struct.pack("<III", 1, 6 << 24 | 50, 4), b"\0a\0"),
     "ENUM record runs past the end of the type section"),
    ("unknown kind",
     _blob(struct.pack("<III", 0, 25 << 24, 0), b"\0a\0"),
     "unknown BTF kind 25"),
    ("reserved info bits set",
     _blob(struct.pack("<III", 0, 6 << 24 | 1 << 16, 4), b"\0a\0"),
     "invalid info word 0x06010000 in type 1"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "blob", "message"), BROKEN, ids=[case[0] for case in BROKEN])
def test_corrupt_records_are_one_clear_error(what: str, blob: bytes, message: str) -> None:
    btf = BTF.from_bytes(blob)
    with pytest.raises(BTFError) as caught:
        for record in btf.walk():
            if record.kind == 6:
                btf.enum(record)
    assert caught.value.message == message
