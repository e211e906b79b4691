"""Decode zstd and LZ4 legacy with the system's libzstd and liblz4, into the output file itself.

The Python bindings keep what their APIs make them keep. python-zstandard's streaming
decoder keeps a window as large as everything it has written when a frame declares a
huge window and no content size (Debian's kernels: 128 MiB, ``zstd -22 --ultra`` from a
pipe), so about 60 MB for a vmlinux; python-lz4 holds each 8 MiB legacy block twice.
The C libraries can write into a buffer the caller owns: libzstd's buffer-less API
decodes one block (at most 128 KiB) per call and reads its matches from what it wrote
before, and liblz4 decodes a legacy block straight into it, in place from the block's
compressed bytes read into the end of its output space. Here that buffer is the
output file, mapped shared; after each block, the pages more than ``_KEEP`` behind the
write position are unmapped (``MADV_DONTNEED``). The data stays in the file (in the
page cache, as every codec's output does) and a zstd match that reaches back faults its
page in again, so the process maps a few MiB of the output, not the whole kernel.

The mapping is advised ``MADV_RANDOM``: without it, each of those faults maps the
readahead window around the page (~0.5 MiB here, Linux 6.18), and a block with many far
matches maps tens of MiB at once. With it, the kernel still maps its 64 KiB
fault-around window per fault; that is what remains above the .BTF-sized budget of
bench/bench_btf.py for zstd images (see the README's measured figures).

Where a library cannot be loaded (another system, a libzstd without the buffer-less API)
or the output is not a real file, :func:`decoder` returns None and the Python binding
does the work.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import mmap
import os
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO

__all__ = ["Bomb", "decoder"]

_KEEP = 1 << 20  # bytes behind the write position left mapped (most zstd matches are near)
_LZ4_IN_PLACE_SINCE = 10900  # lz4 1.9.0 documents in-place decoding
_ZSTD_DST_TOO_SMALL = 70  # ZSTD_error_dstSize_tooSmall in zstd_errors.h
_ZSTD_STEP_MAX = 1 << 17  # ZSTD_BLOCKSIZE_MAX: no header or block asks for more
_ZSTD_SKIPPABLE = 0x184D2A50  # ZSTD_MAGIC_SKIPPABLE_START, the low four bits free


class Bomb(Exception):
    """The data decompresses past the capacity the caller allows."""


def _load(name: str) -> ctypes.CDLL | None:
    path = ctypes.util.find_library(name) or f"lib{name}.so.1"
    try:
        return ctypes.CDLL(path)
    except OSError:
        return None


@functools.cache
def _libzstd() -> ctypes.CDLL | None:
    lib = _load("zstd")
    if lib is None or not hasattr(lib, "ZSTD_decompressContinue"):
        return None  # the buffer-less API is in every libzstd since 0.8, but check
    lib.ZSTD_createDCtx.restype = ctypes.c_void_p
    lib.ZSTD_createDCtx.argtypes = ()
    lib.ZSTD_freeDCtx.restype = ctypes.c_size_t
    lib.ZSTD_freeDCtx.argtypes = (ctypes.c_void_p,)
    lib.ZSTD_decompressBegin.restype = ctypes.c_size_t
    lib.ZSTD_decompressBegin.argtypes = (ctypes.c_void_p,)
    lib.ZSTD_nextSrcSizeToDecompress.restype = ctypes.c_size_t
    lib.ZSTD_nextSrcSizeToDecompress.argtypes = (ctypes.c_void_p,)
    lib.ZSTD_decompressContinue.restype = ctypes.c_size_t
    lib.ZSTD_decompressContinue.argtypes = (
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_char_p,
        ctypes.c_size_t,
    )
    lib.ZSTD_isError.restype = ctypes.c_uint
    lib.ZSTD_isError.argtypes = (ctypes.c_size_t,)
    lib.ZSTD_getErrorCode.restype = ctypes.c_int
    lib.ZSTD_getErrorCode.argtypes = (ctypes.c_size_t,)
    lib.ZSTD_getErrorName.restype = ctypes.c_char_p
    lib.ZSTD_getErrorName.argtypes = (ctypes.c_size_t,)
    return lib


@functools.cache
def _liblz4() -> ctypes.CDLL | None:
    lib = _load("lz4")
    if lib is None:
        return None
    lib.LZ4_versionNumber.restype = ctypes.c_int
    lib.LZ4_versionNumber.argtypes = ()
    lib.LZ4_decompress_safe.restype = ctypes.c_int
    lib.LZ4_decompress_safe.argtypes = (
        ctypes.c_void_p,  # the compressed block's address
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
    )
    return lib


class _MappedFile:
    """``capacity`` bytes of the output file mapped shared, for a decoder to write into."""

    def __init__(self, out: BinaryIO, capacity: int) -> None:
        self._fd = out.fileno()
        self.capacity = capacity
        os.ftruncate(self._fd, capacity)  # sparse: only what is written takes space
        self._map = mmap.mmap(self._fd, capacity, mmap.MAP_SHARED, mmap.PROT_WRITE | mmap.PROT_READ)
        self._map.madvise(mmap.MADV_RANDOM)  # a fault maps its page, not a readahead window
        self._view = (ctypes.c_char * capacity).from_buffer(self._map)
        self.address = ctypes.addressof(self._view)

    def release_before(self, position: int) -> None:
        """Unmap every page wholly before ``position - _KEEP`` (the file keeps the data)."""
        end = (max(position - _KEEP, 0) // mmap.PAGESIZE) * mmap.PAGESIZE
        if end:
            self._map.madvise(mmap.MADV_DONTNEED, 0, end)

    def window(self, start: int, end: int) -> memoryview:
        """Bytes ``start`` to ``end`` of the mapping, to read into (release it after use)."""
        return memoryview(self._map)[start:end]

    def close(self, size: int) -> None:
        """Unmap, and cut the file to the ``size`` bytes written."""
        del self._view
        self._map.close()
        os.ftruncate(self._fd, size)
        os.lseek(self._fd, size, os.SEEK_SET)


_Read = Callable[[int], bytes]


def _zstd(lib: ctypes.CDLL, read: _Read, out: _MappedFile) -> int:
    """The first frame, block by block: each call gets exactly the bytes libzstd asks for.

    Skippable frames before it are read past here, a piece at a time, as python-zstandard
    does (libzstd would ask for a skippable frame's whole content in one call).
    """
    magic = _skip_skippable_frames(read)
    dctx = lib.ZSTD_createDCtx()
    if not dctx:
        raise MemoryError("ZSTD_createDCtx failed")
    try:
        _zstd_check(lib, lib.ZSTD_decompressBegin(dctx))
        position = 0
        while need := lib.ZSTD_nextSrcSizeToDecompress(dctx):  # 0: the frame has ended
            if need > _ZSTD_STEP_MAX:
                raise ValueError(f"zstd asks for {need} bytes at once; no block is that large")
            chunk, magic = magic[:need], magic[need:]  # the bytes read ahead come first
            chunk += read(need - len(chunk))
            if len(chunk) < need:
                raise EOFError("compressed data ends before the end of its frame")
            made = lib.ZSTD_decompressContinue(
                dctx, out.address + position, out.capacity - position, chunk, need
            )
            if lib.ZSTD_isError(made) and lib.ZSTD_getErrorCode(made) == _ZSTD_DST_TOO_SMALL:
                raise Bomb()  # the block would end past the capacity
            _zstd_check(lib, made)
            position += made
            out.release_before(position)
        return position
    finally:
        lib.ZSTD_freeDCtx(dctx)


def _skip_skippable_frames(read: _Read) -> bytes:
    """Read past skippable frames; returns the first four bytes of the frame after them."""
    while True:
        magic = read(4)
        if len(magic) < 4 or int.from_bytes(magic, "little") & ~0xF != _ZSTD_SKIPPABLE:
            return magic
        head = read(4)
        if len(head) < 4:
            raise EOFError("compressed data ends inside a skippable frame's header")
        left = int.from_bytes(head, "little")
        while left:
            piece = read(min(left, _ZSTD_STEP_MAX))
            if not piece:
                raise EOFError("compressed data ends inside a skippable frame")
            left -= len(piece)


def _zstd_check(lib: ctypes.CDLL, code: int) -> None:
    if lib.ZSTD_isError(code):
        raise ValueError(lib.ZSTD_getErrorName(code).decode("ascii", "replace"))


def _lz4_legacy(
    lib: ctypes.CDLL,
    sizes: Iterator[int],
    readinto: Callable[[memoryview], int],
    block_size: int,
    out: _MappedFile,
) -> int:
    """Each block read into the tail of its own output space and decoded in place.

    liblz4 decodes in place when the compressed block ends ``(size >> 8) + 32`` bytes
    past the end of its output (``LZ4_DECOMPRESS_INPLACE_MARGIN``; a shorter last block
    only leaves more room), so the block needs no buffer of its own. Near the capacity,
    where there is no room past the block, it is read into memory instead.
    """
    from delegopts._decompress import lz4_cut_short

    in_place = lib.LZ4_versionNumber() >= _LZ4_IN_PLACE_SINCE
    position = 0
    for size in sizes:
        room = min(block_size, out.capacity - position)
        end = position + block_size + (size >> 8) + 32
        if in_place and end <= out.capacity:
            with out.window(end - size, end) as tail:
                got = readinto(tail)
            source = out.address + end - size
        else:
            buffer = (ctypes.c_char * size)()
            with memoryview(buffer).cast("B") as whole:
                got = readinto(whole)
            source = ctypes.addressof(buffer)
        if got < size:
            raise lz4_cut_short(size, got)
        made = lib.LZ4_decompress_safe(source, out.address + position, size, room)
        if made < 0:
            if room < block_size and _lz4_fits(lib, source, size, block_size):
                raise Bomb()  # a valid block that would end past the capacity
            raise ValueError(f"corrupt LZ4 block at output byte {position}")
        position += made
        out.release_before(position + _KEEP)  # legacy blocks never refer to earlier ones
    return position


def _lz4_fits(lib: ctypes.CDLL, source: int, size: int, block_size: int) -> bool:
    scratch = ctypes.create_string_buffer(block_size)
    return bool(lib.LZ4_decompress_safe(source, scratch, size, block_size) >= 0)


def decoder(codec: str, out: BinaryIO) -> Callable[..., int] | None:
    """A decoder for ``codec`` writing into ``out``'s own pages, or None where there is none.

    The decoder takes ``(source, capacity)`` for zstd, where ``source(n)`` reads up to
    ``n`` compressed bytes, or ``(sizes, readinto, block_size, capacity)`` for LZ4 legacy,
    where ``sizes`` yields each block's compressed size and ``readinto(view)`` then fills
    ``view`` with the block (returning the bytes read); it returns
    the bytes written, leaves ``out`` cut to them and positioned after them, and raises
    :class:`Bomb` past ``capacity``, ValueError or EOFError on corrupt or truncated data.
    """
    try:
        if out.tell() != 0 or not stat.S_ISREG(os.fstat(out.fileno()).st_mode):
            return None
    except (OSError, ValueError):  # io.BytesIO and other streams without a file
        return None
    if codec == "zstd" and (zstd := _libzstd()) is not None:

        def run_zstd(source: _Read, capacity: int) -> int:
            return _mapped(out, capacity, lambda mapped: _zstd(zstd, source, mapped))

        return run_zstd
    if codec == "lz4" and (lz4 := _liblz4()) is not None:

        def run_lz4(
            sizes: Iterator[int],
            readinto: Callable[[memoryview], int],
            block_size: int,
            capacity: int,
        ) -> int:
            return _mapped(
                out,
                capacity,
                lambda mapped: _lz4_legacy(lz4, sizes, readinto, block_size, mapped),
            )

        return run_lz4
    return None


def _mapped(out: BinaryIO, capacity: int, run: Callable[[_MappedFile], int]) -> int:
    if capacity <= 0:
        raise Bomb()
    mapped = _MappedFile(out, capacity)
    written = 0
    try:
        written = run(mapped)
    finally:
        mapped.close(written)
    return written
