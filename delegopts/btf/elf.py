"""Read the ``.BTF`` section of an ELF file (a vmlinux) through pyelftools, from a stream.

Only the section headers and the ``.BTF`` bytes are read: a 60 MB vmlinux is never
loaded whole. Every pyelftools failure becomes one :class:`~delegopts.errors.BTFError`.

>>> import io
>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> from delegopts.btf.imagewriter import write_elf
>>> blob = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])])
>>> found = read_elf_btf(io.BytesIO(write_elf(blob)), source="vmlinux")
>>> found.data == blob, found.banner
(True, 'Linux version 6.0.0-test (fixture)')
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from delegopts.btf.kimage import find_banner
from delegopts.btf.reader import MAX_RAW_BTF
from delegopts.errors import BTFError

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

__all__ = ["ElfBTF", "read_elf_btf", "section_table_problem"]

MAX_BTF = MAX_RAW_BTF


@dataclass(frozen=True, slots=True)
class ElfBTF:
    """The ``.BTF`` bytes, their file offset, the ELF's byte order and its banner."""

    data: bytes
    offset: int
    big_endian: bool
    banner: str | None


#: More sections than any vmlinux has (about 100 with BTF; 64K+ only with -ffunction-sections
#: in a relocatable object); a larger count is a corrupt header.
MAX_SECTIONS = 1 << 20


def section_table_problem(elf: ELFFile, file_size: int) -> tuple[str, int] | None:
    """What is wrong with the section header table, and the offset it names, or None.

    The table must be made of whole headers lying inside the file. Checked before
    pyelftools walks it: its older releases walk a table of ``e_shentsize`` 0, or of 2**56
    entries (``e_shnum`` 0 takes the count from section 0), one header at a time, forever.
    """
    header = elf.header
    if header["e_shoff"] == 0:
        return None  # no section header table: pyelftools sees no sections
    entry = elf.structs.Elf_Shdr.sizeof()
    if header["e_shentsize"] != entry:
        return (
            f"section header size e_shentsize is {header['e_shentsize']}, not {entry}",
            0x3A if elf.elfclass == 64 else 0x2E,
        )
    shoff = header["e_shoff"]
    if shoff + entry > file_size:
        return (
            f"section headers at {shoff} lie outside the file ({file_size} bytes)",
            0x28 if elf.elfclass == 64 else 0x20,
        )
    count = elf.num_sections()  # e_shnum 0 reads section 0, which now lies in the file
    if count > MAX_SECTIONS or shoff + count * entry > file_size:
        return (
            f"{count} section headers of {entry} bytes at {shoff} run past the end of the "
            f"file ({file_size} bytes)",
            shoff,
        )
    return None


def read_elf_btf(stream: BinaryIO, *, source: str, banner: bool = True) -> ElfBTF:
    """The ``.BTF`` section of the ELF file in ``stream``."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    stream.seek(0, 2)
    file_size = stream.tell()
    stream.seek(0)
    try:
        elf = ELFFile(stream)
        problem = section_table_problem(elf, file_size)
        if problem is not None:
            raise BTFError(f"corrupt ELF file: {problem[0]}", source=source, offset=problem[1])
        section = elf.get_section_by_name(".BTF")
        if section is None:
            raise BTFError(
                "ELF file has no .BTF section: build the kernel with CONFIG_DEBUG_INFO_BTF=y",
                source=source,
            )
        offset, size = section["sh_offset"], section["sh_size"]
        if size > MAX_BTF or offset + size > file_size:
            raise BTFError(
                f".BTF section [{offset}, {offset + size}) is outside the file "
                f"({file_size} bytes) or absurdly large",
                source=source,
                offset=offset,
            )
        stream.seek(offset)
        data = stream.read(size)
        rodata = elf.get_section_by_name(".rodata") if banner else None
        text = None
        if rodata is not None:
            start = rodata["sh_offset"]
            end = min(start + rodata["sh_size"], file_size)
            text = find_banner(stream, start, end)
        return ElfBTF(data, offset, not elf.little_endian, text)
    except BTFError:
        raise
    except (ELFError, struct.error, ValueError, KeyError, IndexError, OverflowError) as error:
        raise BTFError(f"corrupt ELF file: {error}", source=source) from error
    except Exception as error:  # pyelftools' construct errors have no common base
        raise BTFError(f"corrupt ELF file ({type(error).__name__}: {error})", source=source) from (
            error
        )
