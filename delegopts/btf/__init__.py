"""Find and read a kernel's BTF, wherever it lives.

The public face is small: :func:`load_btf` reads any source (raw BTF, a vmlinux ELF, a
kernel image, a compressed file) and says what it read in a :class:`SourceInfo`;
:class:`BTF` is the raw reader; :class:`~delegopts.errors.BTFError` is every failure.

One module a structure: ``reader`` (raw BTF), ``elf`` (the ``.BTF`` section of an ELF
file), ``kimage`` (x86 bzImage, EFI zboot, arm64 Image), ``decompress`` (the payload
codecs), ``load`` (which of those a file is), ``installed`` (an installed kernel's image),
``snapshots`` (the small BTF files shipped with delegopts), and the test-fixture writers
``writer`` (BTF) and ``imagewriter`` (ELF files and kernel images around a BTF blob).

>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> btf = BTF.from_bytes(write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])]))
>>> btf.find_enum("bpf_cmd").enumerators[0].name
'BPF_MAP_CREATE'
"""

from __future__ import annotations

from delegopts.btf.load import RUNNING_KERNEL_BTF, SourceInfo, load_btf, load_snapshot
from delegopts.btf.reader import (
    BTF,
    KIND_ENUM,
    KIND_ENUM64,
    KIND_NAMES,
    KIND_STRUCT,
    BtfEnum,
    Enumerator,
    TypeRecord,
)
from delegopts.errors import BTFError

__all__ = [
    "BTF",
    "KIND_ENUM",
    "KIND_ENUM64",
    "KIND_NAMES",
    "KIND_STRUCT",
    "RUNNING_KERNEL_BTF",
    "BTFError",
    "BtfEnum",
    "Enumerator",
    "SourceInfo",
    "TypeRecord",
    "load_btf",
    "load_snapshot",
]
