"""The system-library decoders give the Python bindings' bytes, and keep the process small.

delegopts._native decodes zstd and LZ4 legacy straight into the mapped output file and
unmaps what lies behind; these tests hold it to the original data, including zstd matches
that reach back past the unmapped part, and to the same errors as the bindings.
"""

from __future__ import annotations

import io
import random
import tempfile

import pytest

from delegopts import _native
from delegopts._decompress import decompress
from delegopts._imagewriter import compress
from delegopts.errors import BTFError

LIBRARIES = {"zstd": _native._libzstd, "lz4": _native._liblz4}


def _needs(codec: str) -> None:
    if LIBRARIES[codec]() is None:
        pytest.skip(f"the system's lib{codec} cannot be loaded (or lacks what is needed)")


def _far_repeats() -> bytes:
    """20 MiB whose second half repeats random bytes of the first, ~10 MiB back."""
    rng = random.Random(7)
    first = rng.randbytes(5 << 20) + bytes(5 << 20)
    return first + first[: 5 << 20] + rng.randbytes(1 << 20) + first[3 << 20 : 7 << 20]


def _zstd_long_window(data: bytes) -> bytes:
    """As kernels are compressed: a huge window, long matches, no content size."""
    import zstandard

    parameters = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=27, enable_ldm=True, write_content_size=False
    )
    return zstandard.ZstdCompressor(compression_params=parameters).compress(data)


def _decode(codec: str, compressed: bytes, limit: int = 64 << 20) -> bytes:
    with tempfile.TemporaryFile() as out:
        written = decompress(codec, io.BytesIO(compressed), out, source="t", limit=limit)
        assert out.tell() == written
        out.seek(0)
        return out.read()


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_decodes_what_was_compressed(codec: str) -> None:
    _needs(codec)
    data = _far_repeats()
    compressed = _zstd_long_window(data) if codec == "zstd" else compress("lz4", data)
    with tempfile.TemporaryFile() as out:
        assert _native.decoder(codec, out) is not None
    assert _decode(codec, compressed) == data


def test_zstd_matches_reach_back_past_the_unmapped_pages() -> None:
    _needs("zstd")
    data = _far_repeats()
    compressed = _zstd_long_window(data)
    # the repeats cost almost nothing: the matches really go ~10 MiB back
    assert len(compressed) < len(data) // 2
    assert _decode("zstd", compressed) == data


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_a_stream_that_is_not_a_file_uses_the_binding(codec: str) -> None:
    assert _native.decoder(codec, io.BytesIO()) is None
    data = b"vmlinux" * 1000
    out = io.BytesIO()
    decompress(codec, io.BytesIO(compress(codec, data)), out, source="t")
    assert out.getvalue() == data


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
@pytest.mark.parametrize("limit", [1, 4096, (1 << 20) + 1])
def test_output_past_the_limit_is_a_bomb(codec: str, limit: int) -> None:
    _needs(codec)
    with pytest.raises(BTFError, match="decompression bomb"):
        _decode(codec, compress(codec, bytes(2 << 20)), limit=limit)


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_output_exactly_at_the_limit_is_not_a_bomb(codec: str) -> None:
    _needs(codec)
    data = bytes(range(256)) * 8192
    assert _decode(codec, compress(codec, data), limit=len(data)) == data


def _binding_outcome(codec: str, compressed: bytes) -> bytes | str:
    out = io.BytesIO()  # not a file: the Python binding decodes
    try:
        decompress(codec, io.BytesIO(compressed), out, source="t", limit=64 << 20)
    except BTFError:
        return "refused"
    return out.getvalue()


def _native_outcome(codec: str, compressed: bytes) -> bytes | str:
    try:
        return _decode(codec, compressed)
    except BTFError:
        return "refused"


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_corrupt_data_gets_what_the_binding_gets(codec: str) -> None:
    _needs(codec)
    whole = compress(codec, random.Random(3).randbytes(1 << 20) * 2)
    rng = random.Random(codec)
    # a reserved bit of the zstd frame header, or an LZ4 block that is cut inside itself
    broken = bytearray(whole)
    broken[4 if codec == "zstd" else 8] |= 0x08 if codec == "zstd" else 0x7F
    damaged = [bytes(broken)]
    for _ in range(40):  # block headers near the start, and anywhere
        at = rng.randrange(4, 64) if len(damaged) % 2 else rng.randrange(4, len(whole) - 8)
        damaged.append(whole[:at] + rng.randbytes(8) + whole[at + 8 :])
    outcomes = [(_native_outcome(codec, data), _binding_outcome(codec, data)) for data in damaged]
    assert [ours == theirs for ours, theirs in outcomes] == [True] * len(damaged)
    assert any(ours == "refused" for ours, _ in outcomes)


@pytest.mark.parametrize("cut", [5, 9, 13, 1 << 19, -1])
def test_a_truncated_zstd_frame_is_refused(cut: int) -> None:
    """Stricter than python-zstandard's stream reader, which returns what it had."""
    _needs("zstd")
    whole = compress("zstd", random.Random(3).randbytes(1 << 20) * 2)
    with pytest.raises(BTFError, match="ends before the end of its frame"):
        _decode("zstd", whole[:cut])


def test_a_zstd_frame_ending_exactly_at_the_limit_with_a_checksum_is_not_a_bomb() -> None:
    import zstandard

    _needs("zstd")
    data = random.Random(5).randbytes(40 << 10) * 4  # compresses to more than one read
    compressed = zstandard.ZstdCompressor(write_checksum=True, write_content_size=False).compress(
        data
    )
    assert _decode("zstd", compressed, limit=len(data)) == data
    with pytest.raises(BTFError, match="decompression bomb"):
        _decode("zstd", compressed, limit=len(data) - 1)


def test_bytes_after_the_zstd_frame_are_not_decoded() -> None:
    _needs("zstd")
    data = random.Random(6).randbytes(300 << 10)
    assert _decode("zstd", compress("zstd", data) + b"\x00trailing bytes") == data


def test_a_zstd_frame_with_a_wrong_checksum_is_refused() -> None:
    import zstandard

    _needs("zstd")
    data = random.Random(8).randbytes(200 << 10)
    compressed = bytearray(zstandard.ZstdCompressor(write_checksum=True).compress(data))
    compressed[-1] ^= 0xFF  # the frame's last four bytes are the checksum
    assert _native_outcome("zstd", bytes(compressed)) == "refused"
    assert _binding_outcome("zstd", bytes(compressed)) == "refused"


def test_a_zstd_frame_that_needs_a_dictionary_is_refused() -> None:
    import zstandard

    _needs("zstd")
    samples = [random.Random(n).randbytes(64) * 8 for n in range(200)]
    dictionary = zstandard.train_dictionary(4096, samples)
    compressed = zstandard.ZstdCompressor(dict_data=dictionary).compress(samples[0])
    assert _native_outcome("zstd", compressed) == "refused"


def test_incompressible_lz4_blocks_decode_in_place() -> None:
    """Random bytes: each compressed block is as large as LZ4 makes them, the worst
    case for decoding in place (the block ends only its margin past its output)."""
    _needs("lz4")
    data = random.Random(9).randbytes((8 << 20) * 2 + 12345)
    compressed = compress("lz4", data)
    assert len(compressed) > len(data)  # nothing was saved: the blocks are at their bound
    assert _decode("lz4", compressed) == data


@pytest.mark.parametrize("limit", [64 << 20, (8 << 20) + 100])  # in place, and in memory
def test_an_lz4_block_cut_short_is_refused(limit: int) -> None:
    _needs("lz4")
    data = random.Random(10).randbytes(9 << 20)
    compressed = compress("lz4", data)
    with pytest.raises(BTFError, match="cut short"):
        _decode("lz4", compressed[:-1000], limit=limit)


@pytest.mark.parametrize("size", [0, 16, (1 << 20) + 3])
@pytest.mark.parametrize("magic", [0x184D2A50, 0x184D2A5F])
def test_zstd_skippable_frames_are_read_past_as_the_binding_does(magic: int, size: int) -> None:
    _needs("zstd")
    skippable = magic.to_bytes(4, "little") + size.to_bytes(4, "little") + bytes(size)
    data = b"vmlinux" * 1000
    compressed = skippable * 2 + compress("zstd", data)
    assert _native_outcome("zstd", compressed) == _binding_outcome("zstd", compressed) == data


@pytest.mark.parametrize("cut", [2, 6, 100])
def test_a_zstd_skippable_frame_cut_short_is_refused(cut: int) -> None:
    _needs("zstd")
    skippable = (0x184D2A50).to_bytes(4, "little") + (1000).to_bytes(4, "little") + bytes(1000)
    assert _native_outcome("zstd", skippable[:cut]) == "refused"
    assert _binding_outcome("zstd", skippable[:cut]) == "refused"
