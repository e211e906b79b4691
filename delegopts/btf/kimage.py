"""Kernel image layouts: where the payload of an x86 bzImage or an EFI zboot image is,
and how to find BTF in an image without section headers (arm64 ``Image``).

Everything reads through an open binary stream in bounded chunks and checks each field
against the file's size; bad values become one :class:`~delegopts.errors.BTFError`
naming the field's byte offset.

>>> import io
>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> from delegopts.btf.imagewriter import write_arm64_image
>>> blob = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])])
>>> image = write_arm64_image(blob)
>>> scan_btf(io.BytesIO(image), len(image), source="Image") == (image.index(blob), len(blob))
True
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from delegopts.errors import BTFError

__all__ = [
    "Payload",
    "bzimage_payload",
    "find_banner",
    "is_arm64_image",
    "is_bzimage",
    "is_zboot",
    "scan_btf",
    "zboot_payload",
]

SCAN_CHUNK = 1 << 20
#: More BTF-looking headers than this in one file is an attack, not a kernel.
MAX_SCAN_HITS = 10_000
# A BTF header as pahole and the kernel write it: magic, version 1, flags 0, hdr_len 24.
_BTF_HEADS = (b"\x9f\xeb\x01\x00\x18\x00\x00\x00", b"\xeb\x9f\x01\x00\x00\x00\x00\x18")
_BANNER = b"Linux version "


@dataclass(frozen=True, slots=True)
class Payload:
    """Where an image's compressed payload is, what it says it unpacks to, the banner."""

    offset: int
    length: int
    declared_size: int | None
    version: str | None


def is_bzimage(head: bytes) -> bool:
    """Whether ``head`` (the first 1 KiB) has an x86 setup header (``HdrS`` at 0x202)."""
    return head[0x202:0x206] == b"HdrS"


def is_arm64_image(head: bytes) -> bool:
    """Whether ``head`` has the arm64 ``Image`` magic ``ARM\\x64`` at 0x38."""
    return head[0x38:0x3C] == b"ARM\x64"


def is_zboot(head: bytes) -> bool:
    """Whether ``head`` is an EFI zboot image (``MZ`` then ``zimg`` at 4)."""
    return head[:2] == b"MZ" and head[4:8] == b"zimg"


def _read_at(stream: BinaryIO, offset: int, size: int) -> bytes:
    stream.seek(offset)
    return stream.read(size)


def bzimage_payload(stream: BinaryIO, file_size: int, *, source: str) -> Payload:
    """The compressed payload of an x86 bzImage, from its setup header.

    It starts at ``(setup_sects + 1) * 512 + payload_offset`` (``setup_sects`` at 0x1f1,
    0 meaning 4; ``payload_offset`` at 0x248, ``payload_length`` at 0x24c); its last 4
    bytes are the uncompressed size, appended by the kernel's ``size_append``.
    """
    head = _read_at(stream, 0, 0x250)
    if len(head) < 0x250:
        raise BTFError(
            "bzImage setup header is cut short (need 0x250 bytes)", source=source, offset=len(head)
        )
    version = struct.unpack_from("<H", head, 0x206)[0]
    if version < 0x0208:
        raise BTFError(
            f"boot protocol {version >> 8}.{version & 0xFF} is older than 2.08: "
            "this bzImage has no payload fields",
            source=source,
            offset=0x206,
        )
    setup_sects = head[0x1F1] or 4
    payload_offset, payload_length = struct.unpack_from("<II", head, 0x248)
    start = (setup_sects + 1) * 512 + payload_offset
    if payload_length < 8 or start + payload_length > file_size:
        raise BTFError(
            f"bzImage payload [{start}, {start + payload_length}) is outside the file "
            f"({file_size} bytes): payload_offset/payload_length at 0x248/0x24c are corrupt",
            source=source,
            offset=0x248,
        )
    declared = struct.unpack("<I", _read_at(stream, start + payload_length - 4, 4))[0]
    return Payload(start, payload_length - 4, declared or None, _setup_version(stream, head))


def _setup_version(stream: BinaryIO, head: bytes) -> str | None:
    pointer = struct.unpack_from("<H", head, 0x20E)[0]
    if not pointer:
        return None
    text = _read_at(stream, pointer + 0x200, 256).split(b"\0", 1)[0]
    try:
        decoded = text.decode("ascii")
    except UnicodeDecodeError:
        return None
    return decoded if decoded.isprintable() and decoded else None


def zboot_payload(stream: BinaryIO, file_size: int, *, source: str) -> tuple[Payload, str]:
    """The payload of an EFI zboot image (arm64/riscv ``vmlinuz.efi``) and its codec name."""
    head = _read_at(stream, 0, 0x38)
    if len(head) < 0x38:
        raise BTFError("EFI zboot header is cut short", source=source, offset=len(head))
    offset, length = struct.unpack_from("<II", head, 8)
    codec = head[0x18:0x38].split(b"\0", 1)[0].decode("ascii", "replace")
    if length == 0 or offset + length > file_size:
        raise BTFError(
            f"zboot payload [{offset}, {offset + length}) is outside the file ({file_size} bytes)",
            source=source,
            offset=8,
        )
    return Payload(offset, length, None, None), codec


def scan_btf(stream: BinaryIO, file_size: int, *, source: str) -> tuple[int, int] | None:
    """``(offset, length)`` of the largest well-formed BTF blob in the stream, or None.

    Without section headers (an arm64 ``Image``), BTF is found by its 8-byte header
    start; a candidate counts only if its section bounds fit the file and its string
    section starts and ends with NUL. The largest wins: vmlinux BTF is megabytes, the
    BTF of BPF objects embedded in the kernel (``bpf_preload``) is small.
    """
    from delegopts.btf.reader import MAX_RAW_BTF

    best: tuple[int, int] | None = None
    hits = 0
    position = 0
    tail = b""
    while position < file_size:
        stream.seek(position)
        chunk = stream.read(SCAN_CHUNK)
        if not chunk:
            break
        window = tail + chunk
        base = position - len(tail)
        for magic in _BTF_HEADS:
            at = window.find(magic)
            while at != -1:
                hits += 1
                if hits > MAX_SCAN_HITS:
                    raise BTFError(
                        f"more than {MAX_SCAN_HITS} BTF-like headers: not a kernel image",
                        source=source,
                        offset=base + at,
                    )
                found = _btf_extent(stream, base + at, file_size)
                if (
                    found is not None
                    and found[1] <= MAX_RAW_BTF
                    and (best is None or found[1] > best[1])
                ):
                    best = found
                at = window.find(magic, at + 1)
        tail = window[-7:]
        position += len(chunk)
    return best


def _btf_extent(stream: BinaryIO, offset: int, file_size: int) -> tuple[int, int] | None:
    head = _read_at(stream, offset, 24)
    if len(head) < 24:
        return None
    end = "<" if head[:2] == b"\x9f\xeb" else ">"
    type_off, type_len, str_off, str_len = struct.unpack_from(end + "IIII", head, 8)
    body = max(type_off + type_len, str_off + str_len)
    total = 24 + body
    if str_len == 0 or type_off % 4 or type_len % 4 or offset + total > file_size:
        return None
    if _read_at(stream, offset + 24 + str_off, 1) != b"\0":
        return None
    if _read_at(stream, offset + 24 + str_off + str_len - 1, 1) != b"\0":
        return None
    return offset, total


#: How many ``Linux version`` strings are looked at for the banner: a kernel has a few (the
#: banner, format strings); data made of them is not a kernel, and its banner is unknown.
MAX_BANNER_CANDIDATES = 64


def find_banner(stream: BinaryIO, start: int, end: int) -> str | None:
    """The ``Linux version ...`` banner (``linux_banner``) between two offsets, if any.

    None also when more than :data:`MAX_BANNER_CANDIDATES` candidates were not it.
    """
    position = start
    tail = b""
    candidates = 0
    while position < end:
        stream.seek(position)
        chunk = stream.read(min(SCAN_CHUNK, end - position))
        if not chunk:
            return None
        window = tail + chunk
        at = window.find(_BANNER)
        while at != -1:
            candidates += 1
            if candidates > MAX_BANNER_CANDIDATES:
                return None
            text = _banner_at(stream, position - len(tail) + at)
            if text is not None:
                return text
            at = window.find(_BANNER, at + 1)
        tail = window[-(len(_BANNER) - 1) :]
        position += len(chunk)
    return None


def _banner_at(stream: BinaryIO, offset: int) -> str | None:
    raw = _read_at(stream, offset, 512).split(b"\0", 1)[0].split(b"\n", 1)[0]
    # The real banner goes on with "(builder@host) (compiler...) #1 ...": a format string
    # such as "Linux version %s" in another message does not.
    text = raw.decode("ascii", "replace")
    words = text.split(" ")
    if len(words) < 4 or "%" in text or not words[2][:1].isdigit():
        return None
    if not text.isprintable():  # control characters: not linux_banner, and never shown
        return None
    return text
