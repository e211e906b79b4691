"""Read a kernel's BTF wherever it lives: one call that detects the kind of file.

:func:`load_btf` takes a path and returns the parsed :class:`~delegopts.btf.BTF` with a
:class:`SourceInfo` saying what was read. It recognises, from the first bytes:

- raw BTF (``/sys/kernel/btf/vmlinux`` and files like it);
- an ELF file (vmlinux): its ``.BTF`` section, read through pyelftools from the stream;
- an x86 bzImage (``/boot/vmlinuz-*``): the payload found from the setup header,
  decompressed into a temporary file, and the ``.BTF`` of the ELF inside;
- an EFI zboot image and a compressed file (gzip, xz, lzma, bzip2, zstd, LZ4 legacy):
  decompressed into a temporary file and read again (``Image.gz``, ``vmlinux.xz``,
  ``6.1.170.btf.xz``);
- an arm64 ``Image`` or any other file holding BTF without section headers: scanned for
  a well-formed BTF header.

:func:`load_snapshot` reads a snapshot shipped with delegopts.

>>> import tempfile, os
>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> from delegopts.btf.imagewriter import write_bzimage, write_elf
>>> blob = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])])
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = os.path.join(tmp, "vmlinuz")
...     _ = open(path, "wb").write(write_bzimage(write_elf(blob), "gzip"))
...     btf, info = load_btf(path)
>>> info.kind, info.layers, info.release, btf.size == len(blob)
('bzImage', ('bzImage', 'gzip', 'ELF .BTF'), '6.0.0-test', True)
"""

from __future__ import annotations

import os

from delegopts._namedtuple import NamedTuple
from delegopts.btf.decompress import DEFAULT_LIMIT, codec_for, decompress
from delegopts.btf.reader import BTF, read_raw
from delegopts.errors import BTFError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    from delegopts.btf import kimage as _kimage

__all__ = [
    "RUNNING_KERNEL_BTF",
    "SourceInfo",
    "load_btf",
    "load_snapshot",
]

RUNNING_KERNEL_BTF = "/sys/kernel/btf/vmlinux"
#: Containers inside containers (bzImage > zstd > ELF is 2): more is not a kernel image.
MAX_LAYERS = 3


class SourceInfo(NamedTuple):
    """What :func:`load_btf` read.

    ``kind`` is the outer kind of file (``raw BTF``, ``ELF``, ``bzImage``, ``arm64 Image``,
    ``gzip``..., ``snapshot``), ``layers`` every step from the file to the BTF,
    ``btf_offset`` where the BTF starts in the innermost file, ``banner`` the
    ``Linux version ...`` string where the image has one and ``release`` its first word.
    """

    path: str
    kind: str
    layers: tuple[str, ...]
    btf_size: int
    btf_offset: int
    big_endian: bool
    banner: str | None = None
    file_size: int = 0

    @property
    def release(self) -> str | None:
        """The kernel release (``uname -r``) from the banner, if there is one."""
        if not self.banner:
            return None
        words = self.banner.split()
        if words[:2] == ["Linux", "version"] and len(words) > 2:
            return words[2]
        return words[0]

    @property
    def compression(self) -> str | None:
        """The compression the BTF was found under, if any."""
        codecs = ("gzip", "xz", "lzma", "bzip2", "zstd", "lz4")
        return next((layer for layer in self.layers if layer in codecs), None)

    @property
    def label(self) -> str:
        """A name for the kernel: its release if known, else the path."""
        return self.release or self.path


def load_btf(
    source: str | os.PathLike[str], *, limit: int = DEFAULT_LIMIT
) -> tuple[BTF, SourceInfo]:
    """The BTF in ``source``, whatever kind of file it is, and what was read.

    ``limit`` caps the bytes all decompressed layers hold together (a bomb stops there).
    Raises BTFError naming the file, the byte offset and the fix for anything unreadable,
    corrupt or unsupported; a FIFO, directory or device is refused before it is read.
    """
    from delegopts.errors import InputError
    from delegopts.inputs import open_regular

    path = os.fspath(source)
    try:
        stream = open_regular(path)
    except InputError as error:
        raise BTFError(error.message, source=path) from error
    with stream:
        try:
            size = os.fstat(stream.fileno()).st_size
            return _load(stream, size, path, limit, ())
        except OSError as error:
            raise BTFError(f"cannot read: {error.strerror or error}", source=path) from error


def _load(
    stream: BinaryIO, size: int, path: str, limit: int, layers: tuple[str, ...]
) -> tuple[BTF, SourceInfo]:
    if len(layers) > MAX_LAYERS:
        raise BTFError(
            f"more than {MAX_LAYERS} layers of containers ({' > '.join(layers)})", source=path
        )
    head = stream.read(1024)
    stream.seek(0)
    if head[:2] in (b"\x9f\xeb", b"\xeb\x9f"):
        return _raw(stream, size, path, (*layers, "raw BTF"))
    if head[:4] == b"\x7fELF":
        return _elf(stream, path, (*layers, "ELF .BTF"))
    from delegopts.btf import kimage as _kimage  # kernel images: not needed for raw BTF or ELF

    if _kimage.is_bzimage(head):
        payload = _kimage.bzimage_payload(stream, size, source=path)
        btf, info = _unpack(stream, payload, path, limit, (*layers, "bzImage"))
        return btf, info._replace(banner=info.banner or _banner(payload.version))
    if _kimage.is_zboot(head):
        payload, codec = _kimage.zboot_payload(stream, size, source=path)
        return _unpack(stream, payload, path, limit, (*layers, "EFI zboot"), codec=codec)
    if _kimage.is_arm64_image(head):
        return _scan(stream, size, path, (*layers, "arm64 Image"))
    if codec_for(head) is not None:
        return _unpack(stream, _kimage.Payload(0, size, None, None), path, limit, layers)
    if not head:
        raise BTFError("the file is empty", source=path, offset=0)
    try:
        return _scan(stream, size, path, (*layers, "scanned"))
    except BTFError:
        raise BTFError(
            "not raw BTF, an ELF file, nor a kernel image "
            "and no BTF was found inside: pass /sys/kernel/btf/vmlinux, a vmlinux or a vmlinuz",
            source=path,
            offset=0,
        ) from None


def _banner(version: str | None) -> str | None:
    return None if version is None else f"Linux version {version}"


def _raw(stream: BinaryIO, size: int, path: str, layers: tuple[str, ...]) -> tuple[BTF, SourceInfo]:
    btf = BTF(read_raw(stream, path), source=path)
    banner = _running_banner() if os.path.realpath(path) == RUNNING_KERNEL_BTF else None
    return btf, SourceInfo(path, layers[0], layers, btf.size, 0, btf.big_endian, banner, size)


def _running_banner() -> str | None:
    """The running kernel's banner: /proc/version is ``linux_banner`` itself."""
    try:
        with open("/proc/version", encoding="ascii", errors="replace") as file:
            return file.read().strip() or None
    except OSError:
        return None


def _elf(stream: BinaryIO, path: str, layers: tuple[str, ...]) -> tuple[BTF, SourceInfo]:
    from delegopts.btf.elf import read_elf_btf

    found = read_elf_btf(stream, source=path)
    btf = BTF.from_bytes(found.data, source=f"{path} (.BTF at byte {found.offset})")
    stream.seek(0, 2)
    info = SourceInfo(
        path, layers[0], layers, btf.size, found.offset, btf.big_endian, found.banner, stream.tell()
    )
    return btf, info


def _scan(
    stream: BinaryIO, size: int, path: str, layers: tuple[str, ...]
) -> tuple[BTF, SourceInfo]:
    from delegopts.btf import kimage as _kimage

    found = _kimage.scan_btf(stream, size, source=path)
    if found is None:
        raise BTFError(
            "no BTF header found in the image: build the kernel with CONFIG_DEBUG_INFO_BTF=y",
            source=path,
        )
    offset, length = found
    stream.seek(offset)
    btf = BTF.from_bytes(stream.read(length), source=f"{path} (BTF at byte {offset})")
    banner = _kimage.find_banner(stream, 0, size)
    info = SourceInfo(path, layers[0], layers, btf.size, offset, btf.big_endian, banner, size)
    return btf, info


def _unpack(
    stream: BinaryIO,
    payload: _kimage.Payload,
    path: str,
    limit: int,
    layers: tuple[str, ...],
    *,
    codec: str | None = None,
) -> tuple[BTF, SourceInfo]:
    stream.seek(payload.offset)
    magic = stream.read(16)
    found = codec_for(magic)
    if found is None:
        what = f"the {codec} " if codec else ""
        raise BTFError(
            f"unknown compression of {what}payload (it starts with {magic[:6].hex()}): "
            "gzip, xz, lzma, bzip2, zstd and LZ4 legacy are read",
            source=path,
            offset=payload.offset,
        )
    cap = limit
    if payload.declared_size is not None:
        cap = min(limit, payload.declared_size)
    if len(layers) + 1 > MAX_LAYERS:  # before unpacking, not after: each layer costs disk
        raise BTFError(
            f"more than {MAX_LAYERS} layers of containers ({' > '.join((*layers, found))} > ...)",
            source=path,
            offset=payload.offset,
        )
    stream.seek(payload.offset)
    import tempfile  # only kernel images need a scratch file (and it costs start-up)

    with tempfile.TemporaryFile(prefix="delegopts-") as out:
        written = decompress(
            found, stream, out, source=path, length=payload.length, limit=cap,
            offset=payload.offset,
        )  # fmt: skip
        if payload.declared_size is not None and written != payload.declared_size:
            raise BTFError(
                f"payload decompresses to {written} bytes, the image says "
                f"{payload.declared_size}: it is corrupt or truncated",
                source=path,
                offset=payload.offset + payload.length,
            )
        out.seek(0)
        # what this layer holds on disk counts against the limit of every layer inside it
        btf, inner = _load(out, written, path, limit - written, (*layers, found))
    outer = layers[0] if layers else found
    return btf, inner._replace(kind=outer, file_size=_size(stream))


def _size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    return stream.tell()


def load_snapshot(version: str) -> tuple[BTF, SourceInfo]:
    """A shipped snapshot's BTF (see :mod:`delegopts.btf.snapshots`)."""
    from delegopts.btf import snapshots

    data = snapshots.load(version)
    btf = BTF.from_bytes(data, source=f"snapshot {version}")
    layers = ("snapshot",)
    info = SourceInfo(
        f"snapshot {version}", "snapshot", layers, btf.size, 0, btf.big_endian,
        f"Linux version {version} (a snapshot shipped with delegopts)", len(data),
    )  # fmt: skip
    return btf, info
