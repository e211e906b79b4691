"""What one kernel accepts: the names of each delegate option, its ``any`` mask, its keys.

A :class:`Catalog` is built from a kernel's BTF the way ``kernel/bpf/inode.c`` uses it:
``find_bpffs_btf_enums`` takes the first ``BTF_KIND_ENUM`` named ``bpf_cmd``,
``bpf_map_type``, ``bpf_prog_type`` and ``bpf_attach_type``; only enumerators whose name
starts with the option's prefix (compared ignoring ASCII case) are names; the ``any``
mask is ``(1 << __MAX_<ENUM>) - 1``. The keys a kernel knows are the members of its
``struct bpf_mount_opts`` (6.1 has only ``mode``).

>>> from delegopts.btf.writer import write_btf, EnumSpec, StructSpec
>>> blob = write_btf([
...     EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5),
...                          ("BPF_TOKEN_CREATE", 36), ("__MAX_BPF_CMD", 37)]),
...     StructSpec("bpf_mount_opts", ["uid", "gid", "mode", "delegate_cmds"])])
>>> catalog = Catalog.from_bytes(blob, label="tiny")
>>> catalog[OptionKind.CMDS].lookup("Prog_Load").value
5
>>> hex(catalog[OptionKind.CMDS].any_mask)
'0x1fffffffff'
>>> sorted(catalog.keys)
['delegate_cmds', 'gid', 'mode', 'uid']
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from delegopts._frozen import Frozen
from delegopts._namedtuple import NamedTuple
from delegopts.btf.reader import BTF, KIND_ENUM, KIND_STRUCT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.btf.reader import BtfEnum

__all__ = [
    "ALL_KEYS",
    "DELEGATE_KEYS",
    "Catalog",
    "EnumCatalog",
    "Name",
    "OptionKind",
    "ascii_lower",
]

MOUNT_OPTS = "bpf_mount_opts"
U64 = (1 << 64) - 1

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """Lowercase ASCII letters only, as the kernel's ``tolower``/``strcasecmp`` do.

    >>> ascii_lower("PROG_LOAD"), ascii_lower("\u212a")  # KELVIN SIGN stays
    ('prog_load', '\u212a')
    """
    return text.translate(_ASCII_LOWER)


class OptionKind(enum.Enum):
    """The four delegate options, in the order the kernel shows them."""

    CMDS = "delegate_cmds"
    MAPS = "delegate_maps"
    PROGS = "delegate_progs"
    ATTACHS = "delegate_attachs"

    # Members are singletons: identity hashing is exact, and unlike Enum's own __hash__
    # (Python code hashing the name) it costs nothing on the parse path's dict lookups.
    __hash__ = object.__hash__

    @property
    def key(self) -> str:
        """The mount option key, e.g. ``delegate_cmds``."""
        return self.value

    @property
    def enum_name(self) -> str:
        """The kernel enum the option's names come from."""
        return _KIND_TABLE[self][0]

    @property
    def prefix(self) -> str:
        """The prefix removed from enumerator names (``BPF_``, ``BPF_MAP_TYPE_``...)."""
        return _KIND_TABLE[self][1]

    @property
    def guard(self) -> str:
        """The ``__MAX_*`` enumerator whose value sizes the ``any`` mask."""
        return _KIND_TABLE[self][2]

    @property
    def noun(self) -> str:
        """What one name of this option is, in words: ``command``, ``map type``..."""
        return _KIND_TABLE[self][3]

    @classmethod
    def from_key(cls, key: str) -> OptionKind | None:
        """The kind for a mount option key, or None."""
        return _BY_KEY.get(key)


_KIND_TABLE = {
    OptionKind.CMDS: ("bpf_cmd", "BPF_", "__MAX_BPF_CMD", "command"),
    OptionKind.MAPS: ("bpf_map_type", "BPF_MAP_TYPE_", "__MAX_BPF_MAP_TYPE", "map type"),
    OptionKind.PROGS: ("bpf_prog_type", "BPF_PROG_TYPE_", "__MAX_BPF_PROG_TYPE", "program type"),
    OptionKind.ATTACHS: ("bpf_attach_type", "BPF_", "__MAX_BPF_ATTACH_TYPE", "attach type"),
}
_BY_KEY = {kind.key: kind for kind in OptionKind}
DELEGATE_KEYS = tuple(kind.key for kind in OptionKind)
#: Every key any bpffs knows, in the order the kernel shows them.
ALL_KEYS = ("uid", "gid", "mode", *DELEGATE_KEYS)


class Name(NamedTuple):
    """One accepted symbol: ``name`` lowercase without prefix, as the kernel shows it."""

    name: str
    declared: str
    value: int
    # the field is the API (the enumerator's position); it hides tuple.index, unused here
    index: int  # type: ignore[assignment]

    @property
    def bit(self) -> int:
        """The bit ``1ULL << value`` sets on x86-64, where the shift count is taken mod 64."""
        return self.value & 63

    @property
    def fits(self) -> bool:
        """Whether the value is a real bit of a 64-bit mask (7.2's ``common_attrs`` is not)."""
        return 0 <= self.value < 64


class EnumCatalog(Frozen):
    """The names of one delegate option on one kernel, in BTF declaration order."""

    __slots__ = ("_bits", "_first", "_index", "any_mask", "guard", "kind", "names")
    _shown = ("kind", "names", "any_mask", "guard")

    kind: OptionKind
    names: tuple[Name, ...]
    any_mask: int
    guard: int | None
    _index: Mapping[str, Name]
    # (1 << bit, name) in declaration order, and the first name of each bit: rendering and
    # alias checks run for every parsed string, so neither rescans the enumerators.
    _bits: tuple[tuple[int, Name], ...]
    _first: Mapping[int, Name]

    def __init__(
        self,
        kind: OptionKind,
        names: tuple[Name, ...],
        any_mask: int,
        guard: int | None = None,
        _index: Mapping[str, Name] | None = None,
        _bits: tuple[tuple[int, Name], ...] = (),
        _first: Mapping[int, Name] | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "kind", kind)
        init(self, "names", names)
        init(self, "any_mask", any_mask)
        init(self, "guard", guard)
        init(self, "_index", {} if _index is None else _index)
        init(self, "_bits", _bits)
        init(self, "_first", {} if _first is None else _first)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle by value (the read-only mappings are rebuilt from dicts)."""
        state = (self.kind, self.names, self.any_mask, self.guard, dict(self._index),
                 self._bits, dict(self._first))  # fmt: skip
        return _enum_catalog, (state,)

    @classmethod
    def build(
        cls,
        kind: OptionKind,
        enumerators: list[tuple[str, int]] | None,
        *,
        any_mask: int | None = None,
    ) -> EnumCatalog:
        """From ``(declared name, value)`` pairs in declaration order (None: no BTF enum).

        ``any_mask`` overrides the mask derived from the ``__MAX_*`` guard.
        """
        prefix = ascii_lower(kind.prefix)
        names: list[Name] = []
        guard: int | None = None
        index: dict[str, Name] = {}
        for position, (declared, value) in enumerate(enumerators or ()):
            if declared == kind.guard and guard is None:
                guard = value
            if not ascii_lower(declared).startswith(prefix):
                continue
            name = Name(ascii_lower(declared[len(kind.prefix) :]), declared, value, position)
            names.append(name)
            index.setdefault(name.name, name)
        if any_mask is not None:
            pass
        elif guard is not None and 0 < guard <= 64:
            any_mask = (1 << guard) - 1
        else:
            # No guard (6.1): the highest value that is a bit, plus one.
            bits = [name.value for name in names if name.fits]
            any_mask = (1 << (max(bits) + 1)) - 1 if bits else U64
        first: dict[int, Name] = {}
        for name in names:
            first.setdefault(name.bit, name)
        table = tuple((1 << name.bit, name) for name in names)
        return cls(kind, tuple(names), any_mask, guard, MappingProxyType(index), table,
                   MappingProxyType(first))  # fmt: skip

    def lookup(self, piece: str) -> Name | None:
        """The first name equal to ``piece`` ignoring ASCII case, as ``find_btf_enum_const``."""
        return self._index.get(ascii_lower(piece))

    def __iter__(self) -> Iterator[Name]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def shown_as(self, name: Name) -> Name:
        """The name the kernel prints for ``name``'s bit: the first declared with that bit."""
        return self._first[name.bit]

    def aliases(self) -> dict[str, tuple[str, ...]]:
        """Canonical name -> the other names that set the same bit."""
        groups: dict[int, list[str]] = {}
        for name in self.names:
            groups.setdefault(name.bit, []).append(name.name)
        return {group[0]: tuple(group[1:]) for group in groups.values() if len(group) > 1}

    def split(self, mask: int) -> tuple[tuple[Name, ...], int]:
        """The names the kernel prints for ``mask`` (already within range) and the leftover bits."""
        shown: list[Name] = []
        for bit, name in self._bits:
            if mask & bit:
                shown.append(name)
                mask &= ~bit
        return tuple(shown), mask


def _check_identifiers(found: BtfEnum, source: str) -> None:
    """Every enumerator name must be a C identifier, as the kernel's BTF verifier demands
    ('Invalid name'): other bytes (control characters above all) mean the file is not a
    kernel's BTF, and they must never reach a terminal as names."""
    for number, enumerator in enumerate(found.enumerators):
        name = enumerator.name
        if not (name.isascii() and name.isidentifier()):
            from delegopts.errors import BTFError

            raise BTFError(
                f"enum {found.name}: enumerator {number}'s name "
                f"{name!r} is not a C identifier, as the kernel's BTF verifier demands: this is "
                "not a kernel's BTF",
                source=source,
            )


class Catalog(Frozen):
    """Everything delegopts needs to know about one target kernel.

    ``label`` names it (a release such as ``6.18.44`` or a file), ``keys`` are the option
    keys its bpffs parses, ``has_btf`` is False for a kernel whose names are unavailable.
    Catalogs compare by identity (a kernel is the one it was read from).
    """

    __slots__ = ("btf_size", "enums", "has_btf", "keys", "label")
    _shown = ("label", "enums", "keys", "has_btf", "btf_size")

    label: str
    enums: Mapping[OptionKind, EnumCatalog]
    keys: frozenset[str]
    has_btf: bool
    btf_size: int

    def __init__(
        self,
        label: str,
        enums: Mapping[OptionKind, EnumCatalog],
        keys: frozenset[str],
        has_btf: bool = True,
        btf_size: int = 0,
    ) -> None:
        init = object.__setattr__
        init(self, "label", label)
        init(self, "enums", enums)
        init(self, "keys", keys)
        init(self, "has_btf", has_btf)
        init(self, "btf_size", btf_size)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle by value: a catalog travels to another process without its BTF."""
        return _catalog, (self.label, dict(self.enums), self.keys, self.has_btf, self.btf_size)

    def __getitem__(self, kind: OptionKind) -> EnumCatalog:
        return self.enums[kind]

    @property
    def has_token_create(self) -> bool:
        """Whether ``enum bpf_cmd`` has ``BPF_TOKEN_CREATE`` (Linux 6.9 and later)."""
        return self.enums[OptionKind.CMDS].lookup("token_create") is not None

    @property
    def supports_delegation(self) -> bool:
        """Whether this kernel's bpffs parses the delegate options at all."""
        return all(key in self.keys for key in DELEGATE_KEYS)

    @classmethod
    def from_btf(cls, btf: BTF, *, label: str | None = None) -> Catalog:
        """Read the four enums and ``struct bpf_mount_opts`` from parsed BTF."""
        enums: dict[OptionKind, EnumCatalog] = {}
        btf.find_many([*((k.enum_name, KIND_ENUM) for k in OptionKind), (MOUNT_OPTS, KIND_STRUCT)])
        for kind in OptionKind:
            found = btf.find_enum(kind.enum_name)
            pairs = None if found is None else [(e.name, e.value) for e in found.enumerators]
            if found is not None:
                _check_identifiers(found, btf.source)
            enums[kind] = EnumCatalog.build(kind, pairs)
        members = btf.struct_members(MOUNT_OPTS)
        if members is not None:
            keys = frozenset(key for key in members if key in ALL_KEYS)
        elif enums[OptionKind.CMDS].lookup("token_create") is not None:
            keys = frozenset(ALL_KEYS)
        else:
            keys = frozenset({"mode"})
        return cls(label or btf.source, MappingProxyType(enums), keys, True, btf.size)

    @classmethod
    def from_bytes(cls, data: bytes, *, label: str = "<bytes>") -> Catalog:
        """A catalog from a raw BTF blob."""
        return cls.from_btf(BTF.from_bytes(data, source=label), label=label)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, label: str | None = None) -> Catalog:
        """A catalog from a raw BTF file such as ``/sys/kernel/btf/vmlinux``."""
        name = label or str(path)
        return cls.from_btf(BTF.from_file(path), label=name)

    @classmethod
    def from_source(cls, source: str | os.PathLike[str], *, label: str | None = None) -> Catalog:
        """A catalog from any BTF source :func:`delegopts.btf.load.load_btf` reads: raw BTF,
        a vmlinux ELF, a bzImage, an arm64 Image[.gz], a compressed file."""
        from delegopts.btf.load import load_btf

        btf, info = load_btf(source)
        return cls.from_btf(btf, label=label or info.label)

    @classmethod
    def snapshot(cls, version: str) -> Catalog:
        """The catalog of a kernel snapshot shipped with delegopts (``6.12.107``...).

        >>> Catalog.snapshot("7.2.13")[OptionKind.CMDS].any_mask
        549755813887
        """
        from delegopts.btf.load import load_snapshot

        btf, _ = load_snapshot(version)
        return cls.from_btf(btf, label=version)

    @classmethod
    def running_kernel(cls) -> Catalog:
        """The running kernel's catalog, from ``/sys/kernel/btf/vmlinux``."""
        from delegopts.btf import load

        return cls.from_file(load.RUNNING_KERNEL_BTF, label=os.uname().release)

    def without_names(self) -> Catalog:
        """This kernel as it behaves when it cannot read its BTF at run time.

        Only ``any`` and numbers parse and masks show as hex; the ``any`` masks, which the
        kernel knows at compile time, are kept.
        """
        enums = {
            kind: EnumCatalog.build(kind, None, any_mask=enum_catalog.any_mask)
            for kind, enum_catalog in self.enums.items()
        }
        return Catalog(f"{self.label} (no BTF)", MappingProxyType(enums), self.keys, False, 0)


def _enum_catalog(state: tuple[Any, ...]) -> EnumCatalog:
    kind, names, any_mask, guard, index, bits, first = state
    return EnumCatalog(kind, names, any_mask, guard, MappingProxyType(index), bits,
                       MappingProxyType(first))  # fmt: skip


def _catalog(
    label: str,
    enums: dict[OptionKind, EnumCatalog],
    keys: frozenset[str],
    has_btf: bool,
    btf_size: int,
) -> Catalog:
    return Catalog(label, MappingProxyType(enums), keys, has_btf, btf_size)
