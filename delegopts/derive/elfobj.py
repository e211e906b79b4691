"""Find compiled BPF objects (ELF, ``e_machine`` 247) in files and read what libbpf reads.

A BPF object is a relocatable ELF file of either byte order. It may stand alone
(``clang -target bpf -c``) or sit inside an executable or shared library: a libbpf
skeleton keeps the whole object as a byte array in ``.rodata``. :func:`find_objects`
looks for both; :func:`read_object` parses one with pyelftools into a :class:`BPFObject`
of plain values: sections, function symbols, and the symbols relocations point at.

Every pyelftools failure becomes one :class:`ObjectError` naming the file and offset.
"""

from __future__ import annotations

import io
import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from delegopts.errors import DelegoptsError

__all__ = [
    "EM_BPF",
    "BPFObject",
    "ObjectError",
    "Program",
    "Section",
    "find_objects",
    "objects_in",
    "read_object",
]

EM_BPF = 247
SHF_EXECINSTR, SHF_COMPRESSED = 0x4, 0x800
SHT_PROGBITS, SHT_NOBITS = 1, 8
STT_FUNC, STB_LOCAL = 2, 0
#: A BPF object larger than this is refused (libbpf-tools' biggest is 0.3 MB).
MAX_OBJECT = 256 << 20
#: Files larger than this are not searched for embedded objects.
MAX_FILE = 2 << 30


class ObjectError(DelegoptsError, ValueError):
    """A file that is not, or does not contain, a readable BPF object."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


@dataclass(frozen=True, slots=True)
class Section:
    """One ELF section: index, name, ``sh_type``, ``sh_flags``, size, and the bytes of
    those derive reads (code, ``.BTF``, ``.BTF.ext``, legacy ``maps``; else empty)."""

    index: int
    name: str
    type: int
    flags: int
    size: int
    data: bytes

    @property
    def executable(self) -> bool:
        return self.type == SHT_PROGBITS and bool(self.flags & SHF_EXECINSTR) and self.size > 0


@dataclass(frozen=True, slots=True)
class Program:
    """A BPF program as libbpf finds it: a function symbol in an executable section.

    ``code`` is its instructions (8 bytes each, in the object's byte order).
    """

    name: str
    section: str
    local: bool
    code: bytes


@dataclass(frozen=True, slots=True)
class BPFObject:
    """A parsed BPF object: where it came from and what libbpf reads from it.

    ``origin`` names the file, with ``@0xOFFSET`` for an object embedded in another file.
    ``data`` is the object's bytes. ``relocated`` maps each section index to the (offset,
    symbol name, symbol section) of its ``SHT_REL`` entries, ``symbols`` lists (name,
    section index, value, size, type, bind) of the symbol table.
    """

    origin: str
    big_endian: bool
    sections: tuple[Section, ...]
    programs: tuple[Program, ...]
    symbols: tuple[tuple[str, int, int, int, int, int], ...]
    relocated: dict[int, tuple[tuple[int, str, int], ...]]
    data: bytes = field(repr=False, default=b"")

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    @property
    def byte_order(self) -> str:
        return ">" if self.big_endian else "<"


def _header(data: bytes | mmap.mmap, at: int) -> tuple[bool, bool, int] | None:
    """(64-bit, big-endian, object size) of a BPF ELF header at ``at``, else None."""
    if data[at : at + 4] != b"\x7fELF" or len(data) - at < 52:
        return None
    klass, order = data[at + 4], data[at + 5]
    if klass not in (1, 2) or order not in (1, 2):
        return None
    end = "<" if order == 1 else ">"
    if struct.unpack_from(end + "H", data, at + 18)[0] != EM_BPF:
        return None
    wide = klass == 2
    if wide:
        if len(data) - at < 64:
            return None
        shoff = struct.unpack_from(end + "Q", data, at + 0x28)[0]
        shentsize, shnum = struct.unpack_from(end + "HH", data, at + 0x3A)
    else:
        shoff = struct.unpack_from(end + "I", data, at + 0x20)[0]
        shentsize, shnum = struct.unpack_from(end + "HH", data, at + 0x2E)
    # Section headers come last in what clang and bpftool write: they end the object.
    size = shoff + shentsize * shnum
    if not shnum or size > MAX_OBJECT or at + size > len(data):
        return None
    return wide, order == 2, size


def find_objects(path: str | os.PathLike[str]) -> list[BPFObject]:
    """Every BPF object in the file at ``path``: itself, or those embedded in it.

    Raises :class:`ObjectError` if there is none, :class:`~delegopts.errors.InputError`
    (an ``OSError``) if it cannot be read or is no regular file.
    """
    from delegopts.inputs import open_regular

    name = os.fspath(path)
    with open_regular(name) as stream:  # never a FIFO: opening one would block
        size = os.fstat(stream.fileno()).st_size
        if size == 0:
            raise ObjectError("empty file, not a BPF object", source=name)
        if size > MAX_FILE:
            raise ObjectError(f"{size} bytes: too large to search for BPF objects", source=name)
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return objects_in(data, name)


def objects_in(data: bytes | mmap.mmap, name: str) -> list[BPFObject]:
    """The BPF objects of ``data`` (the contents of ``name``): itself, or those in it."""
    if not data:
        raise ObjectError("empty, not a BPF object", source=name)
    found = _header(data, 0)
    if found is not None:
        return [read_object(data[: found[2]], origin=name)]
    objects: list[BPFObject] = []
    first_error: ObjectError | None = None
    at = data.find(b"\x7fELF", 1)
    while at >= 0:
        found = _header(data, at)
        if found is None:
            at = data.find(b"\x7fELF", at + 1)
            continue
        try:
            candidate = read_object(data[at : at + found[2]], origin=f"{name}@{at:#x}")
        except ObjectError as error:  # bytes that only look like a header: search on
            first_error = first_error or error
            at = data.find(b"\x7fELF", at + 1)
            continue
        if _looks_compiled(candidate):
            objects.append(candidate)
            at = data.find(b"\x7fELF", at + found[2])
        else:  # a header whose sections are other bytes: it must not hide what follows
            at = data.find(b"\x7fELF", at + 1)
    if not objects and first_error is not None:
        raise first_error
    if not objects:
        what = "an ELF file but not a BPF one" if data[:4] == b"\x7fELF" else "not an ELF file"
        raise ObjectError(
            f"{what}, and no BPF object (ELF, e_machine {EM_BPF}) is embedded in it", source=name
        )
    return objects


def _looks_compiled(obj: BPFObject) -> bool:
    """An embedded candidate has what a compiler writes: code, maps or BTF, and symbols."""
    names = {section.name for section in obj.sections}
    return bool(obj.symbols) and (
        any(section.executable for section in obj.sections)
        or bool(names & {".maps", ".BTF", "maps"})
        or any(name.startswith("maps/") for name in names)
    )


def walk(paths: list[str]) -> Iterator[Path]:
    """The files of ``paths``: files as given, directories' regular files, sorted, recursively."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for file in sorted(files):
                    candidate = Path(root, file)
                    if candidate.is_file() and not candidate.is_symlink():
                        yield candidate
        else:
            yield path


def read_object(data: bytes, *, origin: str) -> BPFObject:
    """Parse the BPF ELF object in ``data`` (both byte orders, ELF32 or ELF64)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection
    from elftools.elf.sections import SymbolTableSection

    from delegopts.btf.elf import section_table_problem

    try:
        elf = ELFFile(io.BytesIO(data))
        problem = section_table_problem(elf, len(data))
        if problem is not None:
            raise ObjectError(
                f"corrupt BPF ELF object: {problem[0]} (at byte {problem[1]})", source=origin
            )
        if elf["e_machine"] != "EM_BPF" and elf.header["e_machine"] != EM_BPF:
            raise ObjectError(f"e_machine is {elf['e_machine']}, not BPF", source=origin)
        sections: list[Section] = []
        symbols: list[tuple[str, int, int, int, int, int]] = []
        rels: list[tuple[int, RelocationSection]] = []
        for index, raw in enumerate(elf.iter_sections()):
            kind = raw["sh_type"]
            type_number = _SHT.get(kind, -1) if isinstance(kind, str) else kind
            payload = raw.data() if _wanted(raw.name, type_number, raw["sh_flags"]) else b""
            sections.append(Section(index, raw.name, int(type_number), int(raw["sh_flags"]),
                                    int(raw["sh_size"]), bytes(payload)))  # fmt: skip
            if isinstance(raw, SymbolTableSection) and not symbols:
                for symbol in raw.iter_symbols():
                    info, shndx = symbol["st_info"], symbol["st_shndx"]
                    symbols.append((symbol.name, shndx if isinstance(shndx, int) else 0,
                                    int(symbol["st_value"]), int(symbol["st_size"]),
                                    _STT.get(info["type"], -1),
                                    _STB.get(info["bind"], -1)))  # fmt: skip
            elif isinstance(raw, RelocationSection) and not raw.is_RELA():
                rels.append((int(raw["sh_info"]), raw))
        relocated: dict[int, tuple[tuple[int, str, int], ...]] = {}
        for target, table in rels:
            entries = []
            for relocation in table.iter_relocations():
                number = relocation["r_info_sym"]
                if 0 <= number < len(symbols):
                    name, shndx = symbols[number][0], symbols[number][1]
                    entries.append((int(relocation["r_offset"]), name, shndx))
            relocated[target] = tuple(entries)
    except ObjectError:
        raise
    except (ELFError, ValueError, KeyError, IndexError, struct.error, AssertionError) as error:
        raise ObjectError(f"corrupt BPF ELF object: {error}", source=origin) from error
    except Exception as error:  # construct's stream errors have no common base
        raise ObjectError(
            f"corrupt BPF ELF object: {type(error).__name__}: {error}", source=origin
        ) from error
    programs = []
    for found in sections:
        if not found.executable or found.name == ".text":
            continue  # .text holds sub-programs, never loaded alone
        for name, shndx, value, size, stt, bind in symbols:
            if shndx == found.index and stt == STT_FUNC:
                code = found.data[value : value + size]
                programs.append(Program(name, found.name, bind == STB_LOCAL, code))
    return BPFObject(origin, elf.little_endian is False, tuple(sections), tuple(programs),
                     tuple(symbols), relocated, bytes(data))  # fmt: skip


def _wanted(name: str, kind: int, flags: int) -> bool:
    """Whether derive reads a section's bytes: code, BTF, legacy map definitions.

    Never a compressed one (``SHF_COMPRESSED``: pyelftools would inflate it whole, and a
    hostile file could make that gigabytes); debug sections are not read at all.
    """
    if flags & SHF_COMPRESSED or kind != SHT_PROGBITS:
        return False
    return bool(flags & SHF_EXECINSTR) or name in (".BTF", ".BTF.ext") or name.startswith("maps")


_SHT = {"SHT_PROGBITS": SHT_PROGBITS, "SHT_NOBITS": SHT_NOBITS, "SHT_NULL": 0,
        "SHT_SYMTAB": 2, "SHT_STRTAB": 3, "SHT_RELA": 4, "SHT_REL": 9}  # fmt: skip
_STT = {"STT_NOTYPE": 0, "STT_OBJECT": 1, "STT_FUNC": STT_FUNC, "STT_SECTION": 3, "STT_FILE": 4}
_STB = {"STB_LOCAL": STB_LOCAL, "STB_GLOBAL": 1, "STB_WEAK": 2}
