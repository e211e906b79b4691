"""The fast lookup gives the answer of the full walk: on the four real kernels for many
names, and on blobs built to fool it (decoy records inside other records, tails)."""

from __future__ import annotations

import lzma
import struct

import pytest
from kernels import KERNELS

from delegopts.btf.reader import BTF, KIND_ENUM, KIND_STRUCT
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf

WANTED = [
    *((name, KIND_ENUM) for name in ("bpf_cmd", "bpf_map_type", "bpf_prog_type",
                                     "bpf_attach_type", "bpf_link_type", "xdp_action",
                                     "no_such_enum", "task_struct")),
    *((name, KIND_STRUCT) for name in ("bpf_mount_opts", "task_struct", "file", "sk_buff",
                                       "bpf_cmd", "no_such_struct")),
]  # fmt: skip


def same(fast: dict[tuple[str, int], object], slow: dict[tuple[str, int], object]) -> bool:
    return all(
        (fast[key] is None) == (slow[key] is None)
        and (fast[key] is None or fast[key].offset == slow[key].offset)  # type: ignore[attr-defined]
        for key in slow
    )


@pytest.mark.parametrize("version", ["6.1.170", "6.12.107", "6.18.44", "7.2.13"])
def test_fast_lookup_equals_the_walk_on_real_kernels(version: str) -> None:
    path = KERNELS / f"{version}.btf.xz"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real kernels' BTF lives in shared/ beside the repo")
    data = lzma.decompress(path.read_bytes())
    fast = BTF.from_bytes(data).find_many(WANTED)
    slow = BTF.from_bytes(data)._walk_find(WANTED)
    assert same(fast, slow)
    assert fast[("bpf_cmd", KIND_ENUM)] is not None
    assert fast[("no_such_enum", KIND_ENUM)] is None


def with_decoy() -> bytes:
    """A struct whose member is named ``bpf_cmd`` and whose next words read as an ENUM
    info word and size: a record-shaped decoy before the real enum."""
    blob = bytearray(write_btf([
        StructSpec("holder", ["bpf_cmd", "x", "y"]),
        EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5)]),
    ]))  # fmt: skip
    member = 24 + 16 + 12  # header, INT, struct head: the first member record
    struct.pack_into("<II", blob, member + 4, (KIND_ENUM << 24) | 1, 4)
    return bytes(blob)


@pytest.mark.parametrize("big_endian", [False, True])
def test_decoys_send_the_lookup_to_the_walk(big_endian: bool) -> None:
    blob = with_decoy()
    if big_endian:  # a member and an enum sharing a name, big-endian
        specs = [StructSpec("holder", ["bpf_cmd"]), EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])]
        blob = write_btf(specs, big_endian=True)
    btf = BTF.from_bytes(blob)
    found = btf.find_enum("bpf_cmd")
    assert found is not None
    assert found.enumerators[0].name == "BPF_MAP_CREATE"
    assert same(btf.find_many(WANTED[:1]), BTF.from_bytes(blob)._walk_find(WANTED[:1]))
    if not big_endian:
        offsets = btf._string_offsets_many(["bpf_cmd"])["bpf_cmd"]
        assert btf._candidates("bpf_cmd", KIND_ENUM, offsets, btf._word_offsets(offsets)) is None
        assert found.type_id == 3  # found by the walk: INT, holder, bpf_cmd


@pytest.mark.parametrize(
    ("names", "wanted", "found"),
    [
        (["xbpf_cmd", "bpf_cmd"], "bpf_cmd", "bpf_cmd"),  # a name that is another's tail
        (["bpf_cmd_x", "bpf_cmd"], "bpf_cmd", "bpf_cmd"),
        (["cmd", "bpf_cmd"], "cmd", "cmd"),
        (["bpf_cmd"], "cmd", None),  # a tail that no record uses
    ],
)
def test_tails_and_prefixes(names: list[str], wanted: str, found: str | None) -> None:
    blob = write_btf([EnumSpec(name, [("A", index)]) for index, name in enumerate(names)])
    btf = BTF.from_bytes(blob)
    result = btf.find_enum(wanted)
    assert (result and result.name) == found
    assert same(btf.find_many([(wanted, KIND_ENUM)]), btf._walk_find([(wanted, KIND_ENUM)]))


@pytest.mark.parametrize("with_pair", [False, True])
@pytest.mark.parametrize("big_endian", [False, True])
def test_units_in_the_surrogate_range(with_pair: bool, big_endian: bool) -> None:
    """Name offsets whose low half is a UTF-16 surrogate (0xd902), and a word that decodes
    as a surrogate pair (which merges two units and needs the mapped decoding)."""
    value = 0xDC00D800 if not big_endian else 0xD800DC00
    blob = write_btf(
        [
            EnumSpec("p" * (0xD900 - 2), [("V", value if with_pair else 7)]),
            EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5)]),
        ],
        big_endian=big_endian,
    )
    btf = BTF.from_bytes(blob)
    assert btf._string_offsets_many(["bpf_cmd"])["bpf_cmd"] == [0xD902]
    found = btf.find_enum("bpf_cmd")
    assert found is not None
    assert [(e.name, e.value) for e in found.enumerators] == [
        ("BPF_MAP_CREATE", 0),
        ("BPF_PROG_LOAD", 5),
    ]
    assert found.type_id == 0  # found by the fast path, not the walk
