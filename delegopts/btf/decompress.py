"""Stream-decompress kernel payloads into a file, with a hard cap on the output.

The kernel's Kconfig offers gzip, bzip2, lzma, xz, lzo, lz4 and zstd for its compressed
image. The standard library covers gzip, bzip2, lzma and xz; ``zstandard`` and ``lz4``
(both declared dependencies) cover zstd and the LZ4 *legacy* frame the kernel writes
(``lz4 -l``). LZO has no well-kept Python binding: it is named and refused.

Input is read in 1 MiB chunks and output written as it comes, each step bounded, so a
decompression bomb stops at ``limit`` bytes with one :class:`~delegopts.errors.BTFError`
instead of filling memory or disk.

Memory is what each format's decoder must keep: 32 KiB for gzip, ~4 MiB for bzip2, the
dictionary for xz/lzma (32 MiB in kernel builds), one 8 MiB block and its input for LZ4
legacy, and for zstd the window python-zstandard keeps of what it has written (kernels
are compressed with ``zstd -22 --ultra`` from a pipe: the frame declares a 128 MiB window
and no content size, so up to the size of the vmlinux). The output goes to a file, never
to memory; a write that fails (a full or small ``$TMPDIR``) is a BTFError that says so.

>>> import gzip, io
>>> out = io.BytesIO()
>>> decompress("gzip", io.BytesIO(gzip.compress(b"vmlinux" * 3)), out, source="x")
21
>>> codec_for(bytes.fromhex("28b52ffd0488"))
'zstd'
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

from delegopts.errors import BTFError

TYPE_CHECKING = False
if TYPE_CHECKING:  # the codecs' own modules are imported when their data comes
    import bz2
    import lzma
    from typing import IO, BinaryIO

__all__ = ["CODECS", "DEFAULT_LIMIT", "codec_for", "decompress"]

CHUNK = 1 << 20
#: No kernel decompresses past this; anything that does is treated as a bomb.
DEFAULT_LIMIT = 512 << 20
_LZ4_LEGACY_MAGIC = 0x184C2102
_LZ4_LEGACY_BLOCK = 8 << 20  # the legacy format's fixed uncompressed block size
_LZ4_BOUND = _LZ4_LEGACY_BLOCK + _LZ4_LEGACY_BLOCK // 255 + 16  # LZ4_COMPRESSBOUND

#: name -> the magic bytes its stream starts with.
CODECS: dict[str, tuple[bytes, ...]] = {
    "gzip": (b"\x1f\x8b\x08",),
    "xz": (b"\xfd7zXZ\x00",),
    "bzip2": (b"BZh",),
    "zstd": (b"\x28\xb5\x2f\xfd",),
    "lz4": (struct.pack("<I", _LZ4_LEGACY_MAGIC),),
    "lzma": (b"\x5d\x00\x00",),
    "lzo": (b"\x89LZO\x00\r\n\x1a\n",),
}


def codec_for(head: bytes) -> str | None:
    """The name of the compression whose magic ``head`` starts with, or None.

    >>> codec_for(b"BZh91AY"), codec_for(b"\\x7fELF")
    ('bzip2', None)
    """
    for name, magics in CODECS.items():
        if any(head.startswith(magic) for magic in magics):
            return name
    return None


class _Limited:
    """Reads at most ``length`` bytes (None: all) of a stream, in calls of bounded size."""

    def __init__(self, src: BinaryIO, length: int | None) -> None:
        self._src = src
        self._left = length

    def read(self, size: int = CHUNK) -> bytes:
        if size < 0:
            size = CHUNK
        if self._left is not None:
            size = min(size, self._left)
        data = self._src.read(size) if size else b""
        if self._left is not None:
            self._left -= len(data)
        return data

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk


_Engine = Callable[[_Limited, "_Sink"], None]


class OutputError(Exception):
    """Writing the decompressed data failed: told apart from a corrupt input."""

    def __init__(self, error: OSError, written: int) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error
        self.written = written


class _Sink:
    """Counts what is written and stops at the limit."""

    def __init__(self, out: BinaryIO, limit: int, source: str, name: str) -> None:
        self.out, self.limit, self.source, self.name = out, limit, source, name
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if self.written > self.limit:
            raise self.bomb()
        try:
            self.out.write(data)
        except OSError as error:
            raise OutputError(error, self.written - len(data)) from error

    def bomb(self) -> BTFError:
        return BTFError(
            f"{self.name} data decompresses past {self.limit} bytes: refusing it as a "
            "decompression bomb (no kernel image is that large)",
            source=self.source,
        )


def _zlib(src: _Limited, sink: _Sink) -> None:
    import zlib

    engine = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
    for chunk in src.chunks():
        data = chunk
        while data:
            sink.write(engine.decompress(data, CHUNK))
            if engine.eof:
                return
            data = engine.unconsumed_tail
    sink.write(engine.flush())
    if not engine.eof:
        raise EOFError("compressed data ends before the end of its stream")


def _stdlib(make: Callable[[], lzma.LZMADecompressor | bz2.BZ2Decompressor]) -> _Engine:
    """lzma/bz2 decompressors: every call is bounded with ``max_length``."""

    def run(src: _Limited, sink: _Sink) -> None:
        engine = make()
        for chunk in src.chunks():
            sink.write(engine.decompress(chunk, CHUNK))
            while not engine.eof and not engine.needs_input:
                sink.write(engine.decompress(b"", CHUNK))
            if engine.eof:
                return
        raise EOFError("compressed data ends before the end of its stream")

    return run


def _zstd(src: _Limited, sink: _Sink) -> None:
    import zstandard

    engine = zstandard.ZstdDecompressor(max_window_size=1 << 27)
    stream: IO[bytes] = src  # type: ignore[assignment]  # what stream_reader reads
    reader = engine.stream_reader(stream, read_size=CHUNK, read_across_frames=False)
    while True:
        out = reader.read(CHUNK)
        if not out:
            return
        sink.write(out)


def _lz4_block_sizes(reader: _Limited) -> Iterator[int]:
    """The compressed size of each block of an LZ4 legacy stream, checked against the format.

    The caller reads each block (``size`` bytes) before asking for the next size.
    """
    if struct.unpack("<I", reader.read(4))[0] != _LZ4_LEGACY_MAGIC:
        raise ValueError("not an LZ4 legacy frame")
    while True:
        head = reader.read(4)
        if len(head) < 4:
            return  # the legacy format simply ends with its input
        size = struct.unpack("<I", head)[0]
        if size == _LZ4_LEGACY_MAGIC:
            continue  # a concatenated frame
        if size > _LZ4_BOUND:
            raise ValueError(f"LZ4 block size {size} is larger than any legacy block")
        yield size


def _lz4_cut_short(size: int, got: int) -> EOFError:
    return EOFError(f"LZ4 block of {size} bytes is cut short at {got}")


def _lz4_legacy(reader: _Limited, sink: _Sink) -> None:
    import lz4.block  # type: ignore[import-untyped]

    for size in _lz4_block_sizes(reader):
        block = reader.read(size)
        if len(block) < size:
            raise _lz4_cut_short(size, len(block))
        out = lz4.block.decompress(block, uncompressed_size=_LZ4_LEGACY_BLOCK)
        del block  # hold one block and its output at a time, never two
        sink.write(out)
        del out


def _new_xz() -> lzma.LZMADecompressor:
    import lzma

    return lzma.LZMADecompressor(lzma.FORMAT_XZ)


def _new_lzma() -> lzma.LZMADecompressor:
    import lzma

    return lzma.LZMADecompressor(lzma.FORMAT_ALONE)


def _new_bz2() -> bz2.BZ2Decompressor:
    import bz2

    return bz2.BZ2Decompressor()


def _lzo(src: _Limited, sink: _Sink) -> None:
    raise ValueError(
        "LZO-compressed images are not supported (no well-kept Python LZO binding): "
        "extract the vmlinux with the kernel's scripts/extract-vmlinux and pass that"
    )


_ENGINES: dict[str, _Engine] = {
    "gzip": _zlib,
    "xz": _stdlib(_new_xz),
    "lzma": _stdlib(_new_lzma),
    "bzip2": _stdlib(_new_bz2),
    "zstd": _zstd,
    "lz4": _lz4_legacy,
    "lzo": _lzo,
}


def _where_temporary() -> str:
    import tempfile

    return f"the temporary folder {tempfile.gettempdir()}"


def decompress(
    codec: str,
    src: BinaryIO,
    out: BinaryIO,
    *,
    source: str,
    length: int | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int | None = None,
) -> int:
    """Decompress ``length`` bytes (or all) of ``src`` into ``out``; returns bytes written.

    Any failure of the decoder (corrupt or truncated data, a bomb) becomes a BTFError
    naming ``source``, the codec and ``offset`` (where the compressed data starts).
    """
    import lzma
    import zlib

    sink = _Sink(out, limit, source, codec)
    try:
        _ENGINES[codec](_Limited(src, length), sink)
    except BTFError:
        raise
    except OutputError as error:
        raise BTFError(
            f"cannot write the decompressed {codec} data to a temporary file "
            f"({error}, after {error.written} bytes): the kernel image unpacks to more "
            f"than {_where_temporary()} can hold; set TMPDIR to a folder with more room",
            source=source,
            offset=offset,
        ) from error.error
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, RuntimeError) as error:
        raise BTFError(
            f"cannot decompress the {codec} data ({error}); the image is corrupt or truncated",
            source=source,
            offset=offset,
        ) from error
    except Exception as error:  # zstd.ZstdError and lz4's LZ4BlockError are not ValueErrors
        raise BTFError(
            f"cannot decompress the {codec} data ({type(error).__name__}: {error})",
            source=source,
            offset=offset,
        ) from error
    if sink.written == 0:
        raise BTFError(f"the {codec} data decompresses to nothing", source=source, offset=offset)
    return sink.written
