"""Corrupt BTF and images: one clear BTFError each, never another exception, a hang or
unbounded memory. Plus a bounded-time fuzz target (hypothesis) over every source kind."""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delegopts.btf.imagewriter import compress, write_arm64_image, write_bzimage, write_elf
from delegopts.btf.load import load_btf
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf
from delegopts.catalog import Catalog
from delegopts.errors import BTFError

BLOB = write_btf([
    EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5), ("__MAX_BPF_CMD", 6)]),
    EnumSpec("bpf_map_type", [("BPF_MAP_TYPE_HASH", 1)]),
    StructSpec("bpf_mount_opts", ["uid", "mode"]),
])  # fmt: skip
TYPE_LEN, STR_OFF, STR_LEN = struct.unpack_from("<III", BLOB, 12)
TYPES = 24  # where the type section starts
# Record offsets in BLOB: INT (16 bytes), bpf_cmd (12 + 3*8), bpf_map_type, struct.
CMD = TYPES + 16
LIMIT = 1 << 20


def load_everything(path: Path, limit: int = LIMIT) -> Catalog:
    """What a user of the library does with a source, plus the full validating walk."""
    btf, _ = load_btf(path, limit=limit)
    catalog = Catalog.from_btf(btf)
    btf.count_types()
    return catalog


def patched(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    buffer = bytearray(data)
    struct.pack_into(fmt, buffer, offset, *values)
    return bytes(buffer)


def fails(tmp_path: Path, data: bytes, limit: int = LIMIT) -> BTFError:
    path = tmp_path / "hostile"
    path.write_bytes(data)
    with pytest.raises(BTFError) as caught:
        load_everything(path, limit)
    error = caught.value
    assert str(error).startswith(f"{path}"), "the error names the input"
    return error


HEADER_CUTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 23, 24]
SECTION_CUTS = [TYPES + 4, CMD, CMD + 12, TYPES + TYPE_LEN, len(BLOB) - 1]


@pytest.mark.parametrize("cut", HEADER_CUTS + SECTION_CUTS)
def test_raw_btf_truncated_at_every_boundary(tmp_path: Path, cut: int) -> None:
    fails(tmp_path, BLOB[:cut])


RAW_CASES: list[tuple[str, bytes, str, int | None]] = [
    ("bad magic", b"\x00\x00" + BLOB[2:], "not raw BTF, an ELF file, nor a kernel image", 0),
    ("version 2", patched(BLOB, 2, "<B", 2), "unsupported BTF version 2", 2),
    ("header length past end", patched(BLOB, 4, "<I", 10_000), "header length 10000", 4),
    ("header length too small", patched(BLOB, 4, "<I", 8), "header length 8", 4),
    ("type section past end", patched(BLOB, 12, "<I", TYPE_LEN + STR_LEN + 8), "type section", 8),
    ("string section past end", patched(BLOB, 16, "<I", STR_OFF + 8), "string section", 16),
    ("huge string length", patched(BLOB, 20, "<I", 0xFFFFFFFF), "string section", 16),
    ("misaligned type section", patched(BLOB, 12, "<I", TYPE_LEN - 2), "4-byte aligned", 8),
    ("strings not NUL-ended", BLOB[:-1] + b"x", "NUL byte", 16),
    ("enumerator name out of range", patched(BLOB, CMD + 12, "<I", 0x7FFFFFF0), "string offset",
     None),
    ("absurd vlen", patched(BLOB, CMD + 4, "<I", (6 << 24) | 0xFFFF), "runs past the end", CMD),
    ("unknown kind 25", patched(BLOB, CMD + 4, "<I", (25 << 24) | 3), "unknown BTF kind 25", None),
    ("invalid info bits", patched(BLOB, CMD + 4, "<I", (6 << 24) | 0x10000 | 3),
     "invalid info word", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message", "offset"),
    [pytest.param(data, message, offset, id=name) for name, data, message, offset in RAW_CASES],
)
def test_corrupt_raw_btf(tmp_path: Path, data: bytes, message: str, offset: int | None) -> None:
    error = fails(tmp_path, data)
    assert message in error.message
    if offset is not None:
        assert error.offset == offset


ELF = write_elf(BLOB)
ELF_SHOFF = struct.unpack_from("<Q", ELF, 0x28)[0]
BTF_SHDR = ELF_SHOFF + 2 * 64  # null, .rodata, .BTF

ELF_CASES: list[tuple[str, bytes, str]] = [
    *[(f"cut at {cut}", ELF[:cut], "") for cut in (4, 16, 52, 64, ELF_SHOFF, BTF_SHDR + 10)],
    ("section headers past end", patched(ELF, 0x28, "<Q", len(ELF) + 4096), ""),
    (".BTF past end", patched(ELF, BTF_SHDR + 24, "<Q", len(ELF) + 1), ".BTF section"),
    (".BTF absurd size", patched(ELF, BTF_SHDR + 32, "<Q", 1 << 40), ".BTF section"),
    ("no .BTF", ELF.replace(b".BTF\0", b".XYZ\0"), "CONFIG_DEBUG_INFO_BTF"),
    ("bad shstrndx", patched(ELF, 0x3E, "<H", 200), ""),
    # Older pyelftools walk these tables one header at a time, for ever.
    ("section header size 0", patched(ELF, 0x3A, "<H", 0), "e_shentsize is 0, not 64"),
    ("section header size 0, count 0", patched(patched(ELF, 0x3A, "<H", 0), 0x3C, "<H", 0),
     "e_shentsize is 0, not 64"),
    ("section count from section 0, huge", patched(patched(ELF, 0x3C, "<H", 0),
     ELF_SHOFF + 32, "<Q", 1 << 56), f"{1 << 56} section headers of 64 bytes"),
    ("section count past the end", patched(ELF, 0x3C, "<H", 0xFEFF), "65279 section headers"),
    ("section headers start past the end", patched(ELF, 0x28, "<Q", 1 << 62), "outside the file"),
    (".BTF holds garbage", ELF.replace(BLOB[:8], b"\x00" * 8), "bad magic"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"), [pytest.param(d, m, id=name) for name, d, m in ELF_CASES]
)
def test_corrupt_elf(tmp_path: Path, data: bytes, message: str) -> None:
    assert message in fails(tmp_path, data).message


CODECS = ("gzip", "xz", "lzma", "bzip2", "zstd", "lz4")


def bzimage(codec: str) -> bytes:
    return write_bzimage(write_elf(BLOB), codec)


def payload_start(image: bytes) -> int:
    return (image[0x1F1] or 4) * 512 + 512 + struct.unpack_from("<I", image, 0x248)[0]


@pytest.mark.parametrize("codec", CODECS)
def test_bzimage_payload_cut_short(tmp_path: Path, codec: str) -> None:
    image = bytearray(bzimage(codec))
    start = payload_start(bytes(image))
    length = struct.unpack_from("<I", image, 0x24C)[0]
    middle = start + (length - 4) // 2
    image[middle : start + length - 4] = bytes(start + length - 4 - middle)  # zeros
    error = fails(tmp_path, bytes(image))
    assert error.message.startswith(("cannot decompress", "payload decompresses to")), error


@pytest.mark.parametrize("codec", CODECS)
def test_bzimage_declared_size_wrong(tmp_path: Path, codec: str) -> None:
    image = bzimage(codec)
    end = payload_start(image) + struct.unpack_from("<I", image, 0x24C)[0]
    declared = struct.unpack_from("<I", image, end - 4)[0]
    error = fails(tmp_path, patched(image, end - 4, "<I", declared + 1))
    assert "the image says" in error.message


IMAGE = bzimage("gzip")
IMAGE_CASES: list[tuple[str, bytes, str, int | None]] = [
    ("setup header cut", IMAGE[:0x210], "setup header is cut short", 0x210),
    ("old boot protocol", patched(IMAGE, 0x206, "<H", 0x0204), "older than 2.08", 0x206),
    ("payload past end", patched(IMAGE, 0x24C, "<I", len(IMAGE)), "outside the file", 0x248),
    ("payload offset past end", patched(IMAGE, 0x248, "<I", 1 << 30), "outside the file", 0x248),
    ("unknown compression", patched(IMAGE, payload_start(IMAGE), "<I", 0x12345678),
     "unknown compression", None),
    ("lzo", patched(IMAGE, payload_start(IMAGE), "<9s", b"\x89LZO\x00\r\n\x1a\n"),
     "LZO-compressed images are not supported", None),
    ("arm64 Image without BTF", write_arm64_image(b""), "no BTF header found", None),
    ("arm64 Image of BTF headers", write_arm64_image(b"\x9f\xeb\x01\x00\x18\0\0\0" * 10_001),
     "more than 10000 BTF-like headers", None),
    ("arm64 Image with a 3 GB BTF header",
     write_arm64_image(struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, 3 << 30, 3 << 30, 1)),
     "no BTF header found", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message", "offset"),
    [pytest.param(data, message, offset, id=name) for name, data, message, offset in IMAGE_CASES],
)
def test_corrupt_images(tmp_path: Path, data: bytes, message: str, offset: int | None) -> None:
    error = fails(tmp_path, data)
    assert message in error.message
    if offset is not None:
        assert error.offset == offset


ZEROS = bytes(16 << 20)


@pytest.mark.parametrize("codec", CODECS)
def test_decompression_bomb_stops_at_the_limit(tmp_path: Path, codec: str) -> None:
    error = fails(tmp_path, compress(codec, ZEROS), limit=LIMIT)
    assert "decompression bomb" in error.message


@pytest.mark.parametrize("codec", ["gzip", "zstd"])
def test_bzimage_bomb_stops_at_its_declared_size(tmp_path: Path, codec: str) -> None:
    image = write_bzimage(ZEROS, codec)
    end = payload_start(image) + struct.unpack_from("<I", image, 0x24C)[0]
    error = fails(tmp_path, patched(image, end - 4, "<I", 4096), limit=1 << 30)
    assert "decompresses past 4096 bytes" in error.message


# -- fuzzing: any mutation of any kind of source gives a catalog or a BTFError ----------
SEEDS: list[Callable[[], bytes]] = [
    lambda: BLOB,
    lambda: write_elf(BLOB),
    lambda: write_bzimage(write_elf(BLOB), "gzip"),
    lambda: write_bzimage(write_elf(BLOB), "lz4"),
    lambda: write_arm64_image(BLOB, before=64, after=64),
    lambda: compress("xz", BLOB),
]
SEED_BYTES = [make() for make in SEEDS]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["byte", "word", "cut", "dup"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "byte" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "word" and len(data) >= at + 4:
            value = draw(st.sampled_from([0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, len(data)]))
            struct.pack_into("<I", data, at, value)
        elif action == "cut":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


# A few seconds in every run; DELEGOPTS_FUZZ_EXAMPLES=100000 DELEGOPTS_HANG_SECONDS=0 for a
# long run.
@settings(
    max_examples=int(os.environ.get("DELEGOPTS_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated())
def test_fuzz_every_source_kind(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fuzzed")
        with open(path, "wb") as file:
            file.write(data)
        try:
            load_everything(Path(path))
        except BTFError as error:
            assert error.message
