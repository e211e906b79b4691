"""Read raw BTF: the header, the string section and the type records.

Only what delegopts needs is decoded: enums (``BTF_KIND_ENUM`` and ``BTF_KIND_ENUM64``) and
the member names of structs. Every offset is checked against the buffer and every
low-level failure becomes one :class:`~delegopts.errors.BTFError`.

Finding four enums among ~130,000 types must be fast (the goal: 10 ms for a 5.5 MB
vmlinux BTF). Walking every record in Python costs ~150-220 ms, so :meth:`BTF.find_many`
looks the names up in the string section first (one regex pass for all of them), then
searches the type section for records whose ``name_off`` is one of those offsets and
whose info word has the wanted kind. Each such candidate must look like a sane record
(size, bounds, every member name in bounds); if there is not exactly one candidate, or
one is not sane, the full walk decides. The search is exhaustive (every 4-byte-aligned
word of the type section equal to a wanted offset is looked at), so a real record is
never missed, and for well-formed BTF the answer is always the one the walk gives; a
corrupt record under the wanted name goes to the walk too, which reports it. Records
found without the walk carry ``type_id`` 0: their id is not known without counting.

Why the search is fast: ``bytes.find`` of a 4-byte needle runs at ~1 GB/s here (its high
byte is 0, the commonest byte of a type section, which defeats its skip loop), so the
type section is decoded as UTF-16 in small pieces where ``str.find`` of the 16-bit unit
holding a word's low half is a ``memchr`` scan (:meth:`BTF._word_offsets`), every needle
in one pass. And ``/sys/kernel/btf/vmlinux``, which sysfs hands out one 4 KiB page per
``read()``, is mapped instead where the kernel allows it (:func:`read_raw`).

>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> blob = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5)])])
>>> btf = BTF.from_bytes(blob)
>>> [(e.name, e.value) for e in btf.find_enum("bpf_cmd").enumerators]
[('BPF_MAP_CREATE', 0), ('BPF_PROG_LOAD', 5)]
"""

from __future__ import annotations

import codecs
import mmap
import os
import re
import struct
from collections.abc import Iterable, Iterator

from delegopts._namedtuple import NamedTuple
from delegopts.errors import BTFError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Literal


__all__ = [
    "BTF",
    "BTF_MAGIC",
    "KIND_ENUM",
    "KIND_ENUM64",
    "KIND_STRUCT",
    "BtfEnum",
    "Enumerator",
    "TypeRecord",
]

BTF_MAGIC = 0xEB9F
HEADER_SIZE = 24
# The kernel rejects an info word with bits outside this mask ("Invalid btf_info").
INFO_MASK = 0x9F00FFFF

KIND_INT = 1
KIND_STRUCT = 4
KIND_UNION = 5
KIND_ENUM = 6
KIND_ENUM64 = 19
KIND_NAMES = {
    1: "INT",
    2: "PTR",
    3: "ARRAY",
    4: "STRUCT",
    5: "UNION",
    6: "ENUM",
    7: "FWD",
    8: "TYPEDEF",
    9: "VOLATILE",
    10: "CONST",
    11: "RESTRICT",
    12: "FUNC",
    13: "FUNC_PROTO",
    14: "VAR",
    15: "DATASEC",
    16: "FLOAT",
    17: "DECL_TAG",
    18: "TYPE_TAG",
    19: "ENUM64",
}
# Bytes that follow the 12-byte common header, as (fixed, per vlen item).
_TRAILER: dict[int, tuple[int, int]] = {
    1: (4, 0),
    2: (0, 0),
    3: (12, 0),
    4: (0, 12),
    5: (0, 12),
    6: (0, 8),
    7: (0, 0),
    8: (0, 0),
    9: (0, 0),
    10: (0, 0),
    11: (0, 0),
    12: (0, 0),
    13: (0, 8),
    14: (4, 0),
    15: (0, 12),
    16: (0, 0),
    17: (4, 0),
    18: (0, 0),
    19: (0, 12),
}


#: BTF larger than this is refused wherever it is found (vmlinux BTF is 4-6 MB, an
#: allyesconfig kernel's some 20 MB): a hostile header cannot make us read gigabytes.
MAX_RAW_BTF = 128 << 20
#: The most places the fast lookup keeps for the wanted names and their offsets (a real
#: kernel has a handful); past it, the data is not what it seems and the walk decides.
MAX_LOOKUP_HITS = 1 << 16
_SYSFS_BTF = "/sys/kernel/btf/"


def read_raw(stream: BinaryIO, path: str) -> bytes | mmap.mmap:
    """The bytes of a raw BTF file, mapped where that is safe and fast, else read.

    sysfs hands out BTF one 4 KiB page per ``read()``: reading the 5.5 MB vmlinux BTF
    takes ~1,350 system calls, the largest cost of finding the four enums. Since Linux
    6.16 it can be mapped instead (private and read-only, which the kernel insists on).
    Other files are read: a mapped file that another process truncates would kill us
    with SIGBUS.
    """
    if os.path.realpath(path).startswith(_SYSFS_BTF):
        try:
            flags = mmap.MAP_PRIVATE | getattr(mmap, "MAP_POPULATE", 0)  # one fault, not 1,350
            return mmap.mmap(stream.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
        except (OSError, ValueError):  # older kernels: EACCES, ENODEV or an empty file
            pass
    data = stream.read(MAX_RAW_BTF + 1)
    if len(data) > MAX_RAW_BTF:
        raise BTFError(f"raw BTF larger than {MAX_RAW_BTF} bytes", source=path, offset=0)
    return data


# Turns the UTF-16 surrogate bytes 0xd8-0xdf into 0x58-0x5f (see BTF._word_offsets).
_PIECE = 1 << 16  # bytes of the type section decoded at a time; a multiple of 4
_NO_SURROGATES = bytes.maketrans(bytes(range(0xD8, 0xE0)), bytes(range(0x58, 0x60)))


class Enumerator(NamedTuple):
    """One enumerator as declared: its full name (``BPF_PROG_LOAD``) and value."""

    name: str
    value: int


class BtfEnum(NamedTuple):
    """An enum type: name, kind (``ENUM``/``ENUM64``), byte size, signedness, enumerators."""

    name: str
    kind: int
    size: int
    signed: bool
    enumerators: tuple[Enumerator, ...]
    type_id: int

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]


class TypeRecord(NamedTuple):
    """Where one type record sits: its id, kind, name offset, info word and byte offset."""

    type_id: int
    kind: int
    name_off: int
    info: int
    offset: int

    @property
    def vlen(self) -> int:
        return self.info & 0xFFFF


class BTF:
    """A parsed BTF header over a buffer; records are decoded on demand.

    Use :meth:`from_bytes`; the buffer is kept, not copied.
    """

    __slots__ = (
        "_data",
        "_end",
        "_found",
        "_strings",
        "_types",
        "big_endian",
        "flags",
        "header_len",
        "source",
        "version",
    )

    _data: bytes | mmap.mmap
    _end: str
    _types: tuple[int, int]
    _strings: tuple[int, int]
    _found: dict[tuple[str, int], TypeRecord | None]
    source: str
    big_endian: bool
    version: int
    flags: int
    header_len: int

    def __init__(self, data: bytes | mmap.mmap, *, source: str = "<bytes>") -> None:
        self._data = data
        self.source = source
        self._found = {}
        if len(data) < HEADER_SIZE:
            raise BTFError(
                f"too short for a BTF header ({len(data)} of {HEADER_SIZE} bytes)",
                source=source,
                offset=len(data),
            )
        if data[:2] == b"\x9f\xeb":
            self._end = "<"
        elif data[:2] == b"\xeb\x9f":
            self._end = ">"
        else:
            raise BTFError(
                f"bad magic {data[:2].hex()} (BTF starts with 9feb or eb9f)",
                source=source,
                offset=0,
            )
        self.big_endian = self._end == ">"
        _, self.version, self.flags, self.header_len = struct.unpack_from(self._end + "HBBI", data)
        if self.version != 1:
            raise BTFError(f"unsupported BTF version {self.version}", source=source, offset=2)
        if self.header_len < HEADER_SIZE or self.header_len > len(data):
            raise BTFError(
                f"header length {self.header_len} is outside 24..{len(data)}",
                source=source,
                offset=4,
            )
        type_off, type_len, str_off, str_len = struct.unpack_from(self._end + "IIII", data, 8)
        body = len(data) - self.header_len
        for what, off, length, at in (
            ("type", type_off, type_len, 8),
            ("string", str_off, str_len, 16),
        ):
            if off + length > body:
                raise BTFError(
                    f"{what} section [{off}, {off + length}) runs past the end of the data "
                    f"({body} bytes after the header)",
                    source=source,
                    offset=at,
                )
        if type_off % 4 or type_len % 4:
            raise BTFError("type section is not 4-byte aligned", source=source, offset=8)
        start = self.header_len
        self._types = (start + type_off, start + type_off + type_len)
        self._strings = (start + str_off, start + str_off + str_len)
        if str_len == 0 or data[self._strings[0]] != 0 or data[self._strings[1] - 1] != 0:
            raise BTFError(
                "string section must start and end with a NUL byte", source=source, offset=16
            )

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str = "<bytes>") -> BTF:
        """Parse the header of a raw BTF blob (``/sys/kernel/btf/vmlinux`` and the like)."""
        return cls(bytes(data), source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, source: str | None = None) -> BTF:
        """Parse a raw BTF file; ``/sys/kernel/btf/*`` is mapped, not read (:func:`read_raw`)."""
        name = source or os.fspath(path)
        try:
            with open(path, "rb") as stream:
                return cls(read_raw(stream, os.fspath(path)), source=name)
        except OSError as error:
            raise BTFError(f"cannot read: {error.strerror or error}", source=name) from error

    # -- sizes --------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self._data)

    @property
    def type_section_size(self) -> int:
        return self._types[1] - self._types[0]

    @property
    def string_section_size(self) -> int:
        return self._strings[1] - self._strings[0]

    # -- strings ------------------------------------------------------------------------
    def string(self, offset: int) -> str:
        """The NUL-terminated string at ``offset`` in the string section."""
        begin, end = self._strings
        if offset >= end - begin:
            raise BTFError(
                f"string offset {offset} is past the string section ({end - begin} bytes)",
                source=self.source,
                offset=begin + offset,
            )
        stop = self._data.find(b"\0", begin + offset, end)  # the section ends with NUL
        return self._data[begin + offset : stop].decode("utf-8", "surrogateescape")

    def _string_offsets_many(self, names: Iterable[str]) -> dict[str, list[int]] | None:
        """For each name, every offset at which it starts, from one pass over the strings.

        A string may start inside a longer one (``name_off`` can point at a tail). The
        regex finds non-overlapping matches, each ending at its NUL; a name that is a
        proper tail of another can only hide inside that one's match, ending at the same
        NUL, so its offsets there are added from the longer name's matches. None when the
        names stand in more than :data:`MAX_LOOKUP_HITS` places.
        """
        wanted = {name: name.encode("utf-8", "surrogateescape") for name in names}
        found: dict[str, list[int]] = {name: [] for name in wanted}
        if not wanted:
            return found
        by_bytes = {encoded: name for name, encoded in wanted.items()}
        alternatives = sorted(by_bytes, key=len, reverse=True)
        pattern = re.compile(
            b"(" + b"|".join(re.escape(item) for item in alternatives) + b")\0", re.DOTALL
        )
        begin, end = self._strings
        tails = {
            long: [short for short in alternatives if short != long and long.endswith(short)]
            for long in alternatives
        }
        hits = 0
        for match in pattern.finditer(self._data, begin, end):
            matched = match.group(1)
            at = match.start() - begin
            found[by_bytes[matched]].append(at)
            for short in tails[matched]:
                found[by_bytes[short]].append(at + len(matched) - len(short))
            hits += 1 + len(tails[matched])
            if hits > MAX_LOOKUP_HITS:
                return None
        for offsets in found.values():
            offsets.sort()
        return found

    # -- records ------------------------------------------------------------------------
    def _record_end(self, offset: int, info: int) -> int:
        kind = (info >> 24) & 0x1F
        trailer = _TRAILER.get(kind)
        if trailer is None:
            raise BTFError(f"unknown BTF kind {kind}", source=self.source, offset=offset + 4)
        end = offset + 12 + trailer[0] + trailer[1] * (info & 0xFFFF)
        if end > self._types[1]:
            raise BTFError(
                f"{KIND_NAMES[kind]} record runs past the end of the type section",
                source=self.source,
                offset=offset,
            )
        return end

    def walk(self) -> Iterator[TypeRecord]:
        """Every type record in order, checked against the section bounds.

        Each step advances at least 12 bytes, so a hostile file cannot make it loop.
        """
        offset, end = self._types
        unpack = struct.Struct(self._end + "II").unpack_from
        type_id = 1
        while offset < end:
            if offset + 12 > end:
                raise BTFError("truncated type record", source=self.source, offset=offset)
            name_off, info = unpack(self._data, offset)
            if info & ~INFO_MASK:
                raise BTFError(
                    f"invalid info word {info:#010x} in type {type_id}",
                    source=self.source,
                    offset=offset + 4,
                )
            next_offset = self._record_end(offset, info)
            yield TypeRecord(type_id, (info >> 24) & 0x1F, name_off, info, offset)
            offset = next_offset
            type_id += 1

    def _word_offsets(self, values: Iterable[int]) -> dict[int, list[int]] | None:
        """Byte offsets of every aligned word of the type section equal to each value.

        The section is decoded as UTF-16 in 64 KiB pieces, so unit ``i`` of a piece
        holds its bytes ``2i`` and ``2i+1`` and an aligned word ``k`` is units ``2k`` and
        ``2k+1``; ``str.find`` of the unit holding a value's low half is a ``memchr`` scan.
        Small pieces reuse the same memory (no page faults for a 3 MB string) and stay
        in cache. ``surrogatepass`` keeps lone surrogates as they are, one unit per
        character; only a high surrogate followed by a low one would merge, which the
        length shows: such a piece is decoded again with bytes 0xd8-0xdf mapped to
        0x58-0x5f (:data:`_NO_SURROGATES`). Every hit is checked against the real word.
        None when the values stand in more than :data:`MAX_LOOKUP_HITS` words.
        """
        start, end = self._types
        order: Literal["big", "little"] = "big" if self.big_endian else "little"
        codec = "utf-16-be" if self.big_endian else "utf-16-le"
        parity = 1 if self.big_endian else 0  # which unit of a word holds its low half
        found: dict[int, list[int]] = {value: [] for value in values}
        if not found:
            return found
        needles = []
        for value in found:
            low = (value & 0xFFFF).to_bytes(2, order)
            plain = chr(int.from_bytes(low, order))
            mapped = chr(int.from_bytes(low.translate(_NO_SURROGATES), order))
            needles.append((value, plain, mapped))
        word = struct.Struct(self._end + "I")
        hits = 0
        with memoryview(self._data) as view:
            for base in range(start, end, _PIECE):
                piece = view[base : min(base + _PIECE, end)]
                units = codecs.decode(piece, codec, "surrogatepass")
                is_mapped = len(units) * 2 != len(piece)
                if is_mapped:
                    units = bytes(piece).translate(_NO_SURROGATES).decode(codec)
                for value, plain, mapped in needles:
                    char = mapped if is_mapped else plain
                    at = units.find(char)
                    while at != -1:
                        if at % 2 == parity:
                            offset = base + (at - parity) * 2
                            if word.unpack_from(self._data, offset)[0] == value:
                                found[value].append(offset)
                                hits += 1
                                if hits > MAX_LOOKUP_HITS:
                                    return None
                        at = units.find(char, at + 1)
        return found

    def _candidates(
        self, name: str, kind: int, str_offsets: list[int], words: dict[int, list[int]]
    ) -> list[TypeRecord] | None:
        """Records that look like a ``kind`` type named ``name``; None if the search is unsure."""
        end = self._types[1]
        found: list[TypeRecord] = []
        for str_off in str_offsets:
            for at in words[str_off]:
                if at + 12 <= end:
                    info = struct.unpack_from(self._end + "I", self._data, at + 4)[0]
                    if (info >> 24) & 0x1F == kind and not info & ~INFO_MASK:
                        record = TypeRecord(0, kind, str_off, info, at)
                        if not self._plausible(record):
                            # A real record that is corrupt, or bytes that only look like
                            # one: only the walk can tell, and it reports the corruption.
                            return None
                        found.append(record)
        return found if len(found) <= 1 else None

    def _plausible(self, record: TypeRecord) -> bool:
        """Does a candidate found by searching decode as a sane record of its kind?"""
        try:
            self._record_end(record.offset, record.info)
        except BTFError:
            return False
        size = struct.unpack_from(self._end + "I", self._data, record.offset + 8)[0]
        if record.kind in (KIND_ENUM, KIND_ENUM64) and size not in (1, 2, 4, 8):
            return False
        step = 12 if record.kind in (KIND_ENUM64, KIND_STRUCT, KIND_UNION) else 8
        limit = self.string_section_size
        for index in range(record.vlen):
            member = record.offset + 12 + index * step
            if struct.unpack_from(self._end + "I", self._data, member)[0] >= limit:
                return False
        return True

    def find(self, name: str, kind: int) -> TypeRecord | None:
        """The first type record of ``kind`` named ``name``, in type-id order, or None."""
        return self.find_many([(name, kind)])[(name, kind)]

    def find_many(
        self, wanted: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], TypeRecord | None]:
        """:meth:`find` for several ``(name, kind)`` pairs, sharing the passes over the data.

        >>> from delegopts.btf.writer import write_btf, EnumSpec
        >>> btf = BTF.from_bytes(write_btf([EnumSpec("a", [("A", 1)]), EnumSpec("b", [])]))
        >>> found = btf.find_many([("a", KIND_ENUM), ("z", KIND_ENUM)])
        >>> found[("a", KIND_ENUM)].offset, found[("z", KIND_ENUM)]
        (24, None)
        """
        pairs = list(dict.fromkeys(wanted))
        result = {pair: self._found[pair] for pair in pairs if pair in self._found}
        pairs = [pair for pair in pairs if pair not in result]
        if not pairs:
            return result
        offsets = self._string_offsets_many(name for name, _ in pairs)
        words = None
        if offsets is not None:
            words = self._word_offsets({at for name in offsets for at in offsets[name]})
        if offsets is None or words is None:  # too many places to look: walk instead
            result.update(self._walk_find(pairs))
            self._found.update(result)
            return result
        unsure: list[tuple[str, int]] = []
        for name, kind in pairs:
            candidates = self._candidates(name, kind, offsets[name], words)
            if candidates is None:
                unsure.append((name, kind))
            else:
                result[(name, kind)] = candidates[0] if candidates else None
        if unsure:
            result.update(self._walk_find(unsure))
        self._found.update(result)
        return result

    def _walk_find(self, wanted: list[tuple[str, int]]) -> dict[tuple[str, int], TypeRecord | None]:
        """The slow, certain answer: the first record of each pair, by walking every record."""
        result: dict[tuple[str, int], TypeRecord | None] = dict.fromkeys(wanted)
        left = set(wanted)
        kinds = {kind for _, kind in wanted}
        for record in self.walk():
            if record.kind in kinds:
                key = (self.string(record.name_off), record.kind)
                if key in left:
                    result[key] = record
                    left.discard(key)
                    if not left:
                        break
        return result

    # -- decoding -----------------------------------------------------------------------
    def enum(self, record: TypeRecord) -> BtfEnum:
        """Decode an ``ENUM``/``ENUM64`` record into a :class:`BtfEnum`."""
        if record.kind not in (KIND_ENUM, KIND_ENUM64):
            raise BTFError(
                f"type {record.type_id} is not an enum", source=self.source, offset=record.offset
            )
        self._record_end(record.offset, record.info)
        signed = bool(record.info >> 31)
        size = struct.unpack_from(self._end + "I", self._data, record.offset + 8)[0]
        items: list[Enumerator] = []
        at = record.offset + 12
        if record.kind == KIND_ENUM:
            layout = struct.Struct(self._end + ("Ii" if signed else "II"))
            for _ in range(record.vlen):
                name_off, value = layout.unpack_from(self._data, at)
                items.append(Enumerator(self.string(name_off), value))
                at += 8
        else:
            layout = struct.Struct(self._end + "III")
            for _ in range(record.vlen):
                name_off, lo, hi = layout.unpack_from(self._data, at)
                value = (hi << 32) | lo
                if signed and value >= 1 << 63:
                    value -= 1 << 64
                items.append(Enumerator(self.string(name_off), value))
                at += 12
        return BtfEnum(
            self.string(record.name_off), record.kind, size, signed, tuple(items), record.type_id
        )

    def words(self, record: TypeRecord) -> tuple[int, ...]:
        """The 32-bit words after a record's name and info: ``size``/``type``, then its trailer.

        Every trailer item of every kind is made of 32-bit words (an ARRAY is ``type,
        index_type, nelems``; each STRUCT member ``name_off, type, offset``), so callers
        that need more than enums decode them from here.
        """
        end = self._record_end(record.offset, record.info)
        count = (end - record.offset - 8) // 4
        return struct.unpack_from(f"{self._end}{count}I", self._data, record.offset + 8)

    def find_enum(self, name: str) -> BtfEnum | None:
        """The first ``BTF_KIND_ENUM`` named ``name``: the only kind the kernel's bpffs looks at."""
        record = self.find(name, KIND_ENUM)
        return None if record is None else self.enum(record)

    def has_string(self, text: str) -> bool:
        """Whether ``text`` is a whole string of the string section (a name some type,
        member or enumerator may have): cheap evidence of a kernel feature.

        >>> from delegopts.btf.writer import write_btf, EnumSpec
        >>> btf = BTF.from_bytes(write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])]))
        >>> btf.has_string("BPF_MAP_CREATE"), btf.has_string("MAP_CREATE")
        (True, False)
        """
        found = self._string_offsets_many([text])
        if found is None:  # in more places than are kept: there, at least
            return True
        begin = self._strings[0]
        return any(at == 0 or self._data[begin + at - 1] == 0 for at in found[text])

    def struct_members(self, name: str) -> tuple[str, ...] | None:
        """Member names of the first struct named ``name``, or None if there is none."""
        record = self.find(name, KIND_STRUCT)
        if record is None:
            return None
        self._record_end(record.offset, record.info)
        names: list[str] = []
        for index in range(record.vlen):
            at = record.offset + 12 + 12 * index
            names.append(self.string(struct.unpack_from(self._end + "I", self._data, at)[0]))
        return tuple(names)

    def count_types(self) -> dict[str, int]:
        """How many records of each kind, by walking all of them (validates the whole section)."""
        counts: dict[str, int] = {}
        for record in self.walk():
            label = KIND_NAMES[record.kind]
            counts[label] = counts.get(label, 0) + 1
        return counts
