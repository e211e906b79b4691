"""Write tiny kernel-shaped files around a BTF blob: test fixtures built in code.

- :func:`write_elf`: a vmlinux-like ELF64 with ``.rodata`` (holding a ``Linux version``
  banner) and ``.BTF`` sections and a section-name table;
- :func:`write_bzimage`: an x86 bzImage: setup sectors with the setup header
  (``setup_sects`` at 0x1f1, ``HdrS`` at 0x202, the version string pointer at 0x20e,
  ``payload_offset``/``payload_length`` at 0x248/0x24c) and a compressed ELF payload
  followed by its uncompressed size, as the kernel's ``size_append`` writes it;
- :func:`write_arm64_image`: an arm64 ``Image`` (magic ``ARM\\x64`` at 0x38) with the BTF
  somewhere inside and no section headers; gzip it for ``Image.gz``.

>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> elf = write_elf(write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])]))
>>> elf[:4], len(elf) < 1024
(b'\\x7fELF', True)
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct

__all__ = ["compress", "write_arm64_image", "write_bzimage", "write_elf", "write_zboot"]

_SHT_PROGBITS, _SHT_STRTAB = 1, 3


def write_elf(
    btf: bytes, *, banner: str = "Linux version 6.0.0-test (fixture)", big_endian: bool = False
) -> bytes:
    """An ELF64 executable whose ``.BTF`` section holds ``btf``."""
    end = ">" if big_endian else "<"
    rodata = b"\0" * 16 + banner.encode() + b"\n\0"
    names = b"\0.rodata\0.BTF\0.shstrtab\0"
    body = bytearray(64)  # the ELF header, filled in last
    sections: list[tuple[int, int, int, int]] = []  # name, type, offset, size
    for name_at, kind, data in (
        (1, _SHT_PROGBITS, rodata),
        (9, _SHT_PROGBITS, btf),
        (14, _SHT_STRTAB, names),
    ):
        while len(body) % 8:
            body.append(0)
        sections.append((name_at, kind, len(body), len(data)))
        body += data
    while len(body) % 8:
        body.append(0)
    shoff = len(body)
    body += bytes(64)  # the null section
    for name_at, kind, offset, size in sections:
        body += struct.pack(end + "IIQQQQIIQQ", name_at, kind, 0, 0, offset, size, 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([2, 2 if big_endian else 1, 1]) + bytes(9)
    header = ident + struct.pack(
        end + "HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(sections) + 1, 3
    )
    body[:64] = header
    return bytes(body)


def compress(codec: str, data: bytes) -> bytes:
    """``data`` compressed as the kernel's build does for ``codec``."""
    if codec == "gzip":
        return gzip.compress(data, mtime=0)
    if codec == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    if codec == "lzma":
        return lzma.compress(data, format=lzma.FORMAT_ALONE)
    if codec == "bzip2":
        return bz2.compress(data)
    if codec == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=3, write_content_size=False).compress(data)
    if codec == "lz4":  # the legacy frame of `lz4 -l`: magic, then (size, block) pairs
        import lz4.block  # type: ignore[import-untyped]

        out = bytearray(struct.pack("<I", 0x184C2102))
        for at in range(0, len(data), 8 << 20):
            block = lz4.block.compress(data[at : at + (8 << 20)], store_size=False)
            out += struct.pack("<I", len(block)) + block
        return bytes(out)
    raise ValueError(f"unknown codec {codec!r}")


def write_bzimage(
    vmlinux: bytes,
    codec: str,
    *,
    version: str = "6.0.0-test (fixture@example) #1 SMP",
    setup_sects: int = 4,
    payload_offset: int = 0x200,
) -> bytes:
    """An x86 bzImage whose payload is ``vmlinux`` compressed with ``codec``."""
    setup = bytearray((setup_sects + 1) * 512)
    setup[0x1F1] = setup_sects if setup_sects != 4 else 0  # 0 means 4, as old loaders read it
    setup[0x1FE:0x200] = b"\x55\xaa"
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, 0x020F)
    version_at = 0x300
    setup[version_at : version_at + len(version) + 1] = version.encode() + b"\0"
    struct.pack_into("<H", setup, 0x20E, version_at - 0x200)
    payload = compress(codec, vmlinux) + struct.pack("<I", len(vmlinux))
    struct.pack_into("<II", setup, 0x248, payload_offset, len(payload))
    protected = bytearray(payload_offset) + payload
    return bytes(setup) + bytes(protected) + bytes(64)


def write_arm64_image(btf: bytes, *, before: int = 4096, after: int = 4096) -> bytes:
    """An arm64 ``Image``: the 64-byte header, code-like filler, ``btf``, more filler."""
    filler = bytes(range(256)) * (max(before, after) // 256 + 1)
    header = struct.pack("<IIQQQQQQII", 0x14000000, 0, 0, 0, 0x0A, 0, 0, 0, 0x644D5241, 0)
    image = bytearray(header + filler[:before])
    while len(image) % 8:
        image.append(0)
    return bytes(image + btf + filler[:after])


def write_zboot(image: bytes, codec: str) -> bytes:
    """An EFI zboot image: ``MZ``, ``zimg`` at 4, payload offset/size at 8/12, the codec
    name at 0x18, then ``image`` compressed with ``codec``."""
    payload = compress(codec, image)
    header = bytearray(0x40)
    header[0:2] = b"MZ"
    header[4:8] = b"zimg"
    struct.pack_into("<II", header, 8, len(header), len(payload))
    header[0x18 : 0x18 + len(codec)] = codec.encode()
    return bytes(header) + payload
