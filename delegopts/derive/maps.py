"""The maps libbpf creates for a BPF object, with their ``enum bpf_map_type`` values.

Where libbpf finds them (``src/libbpf.c``):

- ``.maps``: BTF-defined maps. The section's ``DATASEC`` lists one variable a map; its
  struct has a member ``type`` declared ``int (*type)[BPF_MAP_TYPE_X]``, so the map type is
  the element count of the array the pointer points to. A map-in-map's ``values`` member
  is an array of pointers to the inner map's struct, whose own ``type`` is the inner type:
  libbpf creates that inner map too (as a template) before the outer one.
- ``.data``, ``.rodata``, ``.bss`` and their ``.NAME`` variants, when not empty, and
  ``.kconfig`` when the object has ``__kconfig`` externs: internal ``ARRAY`` maps.
- ``.struct_ops`` and ``.struct_ops.link``: one ``STRUCT_OPS`` map a variable.
- ``maps`` and ``maps/NAME``: legacy ``struct bpf_map_def`` records (five ``u32``s, the
  first the type). libbpf 1.0 and later refuse ``maps`` and ignore ``maps/NAME``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from delegopts.btf import BTF, TypeRecord
from delegopts.derive.elfobj import SHT_NOBITS, SHT_PROGBITS, BPFObject, ObjectError
from delegopts.errors import BTFError

__all__ = ["ARRAY", "STRUCT_OPS", "MapDef", "Slot", "maps_of", "object_btf", "struct_ops_slots"]

#: ``enum bpf_map_type`` values are UAPI: the same on every kernel.
ARRAY, STRUCT_OPS = 2, 26
_PTR, _ARRAY, _STRUCT, _UNION, _TYPEDEF, _VOLATILE, _CONST, _RESTRICT = 2, 3, 4, 5, 8, 9, 10, 11
_VAR, _DATASEC, _TYPE_TAG = 14, 15, 18
_MODIFIERS = {_TYPEDEF, _VOLATILE, _CONST, _RESTRICT, _TYPE_TAG}
_INTERNAL = (".data", ".rodata", ".bss")


#: Value fields the kernel manages: a map holding one is created only with its BTF
#: (``btf_parse_fields()`` in kernel/bpf/btf.c); type tags mark kernel pointers.
SPECIAL_STRUCTS = frozenset({"bpf_spin_lock", "bpf_res_spin_lock", "bpf_timer", "bpf_wq",
                             "bpf_task_work", "bpf_list_head", "bpf_list_node", "bpf_rb_root",
                             "bpf_rb_node", "bpf_refcount"})  # fmt: skip
SPECIAL_TAGS = frozenset({"kptr", "kptr_untrusted", "percpu_kptr", "uptr"})


@dataclass(frozen=True, slots=True)
class MapDef:
    """One map: its name, type value, and how libbpf knows it.

    ``source`` is ``btf`` (``.maps``), ``inner`` (a map-in-map's inner template),
    ``internal`` (global data), ``kconfig``, ``struct_ops`` or ``legacy``. ``fields``
    names the kernel-managed fields of its value (``bpf_spin_lock``, ``kptr``...).
    """

    name: str
    type: int
    source: str
    fields: tuple[str, ...] = ()


def object_btf(obj: BPFObject) -> BTF | None:
    """The object's ``.BTF`` section, parsed; None without one."""
    section = obj.section(".BTF")
    if section is None or section.type != SHT_PROGBITS:
        return None
    return BTF.from_bytes(section.data, source=f"{obj.origin} .BTF")


class _Types:
    """The records of a small BTF by id, and the words of each (objects' BTF is small)."""

    def __init__(self, btf: BTF) -> None:
        self.btf = btf
        self.records: dict[int, TypeRecord] = {r.type_id: r for r in btf.walk()}

    def name(self, type_id: int) -> str:
        record = self.records.get(type_id)
        return "" if record is None else self.btf.string(record.name_off)

    def resolve(self, type_id: int) -> TypeRecord | None:
        """The record ``type_id`` names, through typedefs and qualifiers (bounded)."""
        for _ in range(32):
            record = self.records.get(type_id)
            if record is None or record.kind not in _MODIFIERS:
                return record
            type_id = self.btf.words(record)[0]
        return None

    def members(self, record: TypeRecord) -> list[tuple[str, int]]:
        words = self.btf.words(record)[1:]
        return [(self.btf.string(words[i]), words[i + 1]) for i in range(0, len(words), 3)]

    def datasec(self, name: str) -> list[tuple[str, int]]:
        """(variable name, variable type id) of the DATASEC called ``name``."""
        return [(var, type_id) for var, type_id, _ in self.variables(name)]

    def variables(self, name: str) -> list[tuple[str, int, int]]:
        """(name, type id, offset in the section) of the variables of DATASEC ``name``."""
        for record in self.records.values():
            if record.kind == _DATASEC and self.btf.string(record.name_off) == name:
                words = self.btf.words(record)[1:]
                result = []
                for i in range(0, len(words), 3):
                    var = self.records.get(words[i])
                    if var is not None and var.kind == _VAR:
                        result.append((self.btf.string(var.name_off), self.btf.words(var)[0],
                                       words[i + 1]))  # fmt: skip
                return result
        return []

    def special(self, type_id: int) -> tuple[str, ...]:
        """Kernel-managed fields anywhere in a type (a walk bounded to 4096 types)."""
        found: dict[str, None] = {}
        queue, seen = [type_id], set[int]()
        while queue and len(seen) < 4096:
            current = queue.pop()
            record = self.records.get(current)
            if record is None or current in seen:
                continue
            seen.add(current)
            words = self.btf.words(record)
            name = self.btf.string(record.name_off)
            if record.kind == _TYPE_TAG and name in SPECIAL_TAGS:
                found[name] = None
            if record.kind == _STRUCT and name in SPECIAL_STRUCTS:
                found[name] = None
            elif record.kind in (_STRUCT, _UNION):
                queue += [words[i + 1] for i in range(1, len(words), 3)]
            elif record.kind == _ARRAY:
                queue.append(words[1])
            elif record.kind in _MODIFIERS or (record.kind == _PTR and words[0]):
                queue.append(words[0])
            elif record.kind == _DATASEC:
                queue += [words[i] for i in range(1, len(words), 3)]
            elif record.kind == _VAR:
                queue.append(words[0])
        return tuple(found)

    def value_of(self, struct_id: int) -> int | None:
        """The type a ``.maps`` struct's ``value`` member points to."""
        record = self.resolve(struct_id)
        if record is None or record.kind != _STRUCT:
            return None
        for member, type_id in self.members(record):
            if member == "value":
                pointer = self.resolve(type_id)
                if pointer is not None and pointer.kind == _PTR:
                    return self.btf.words(pointer)[0]
        return None

    def map_type(self, struct_id: int) -> tuple[int | None, int | None]:
        """(map type, inner map struct id) of a ``.maps`` variable's struct."""
        record = self.resolve(struct_id)
        if record is None or record.kind != _STRUCT:
            return None, None
        found: int | None = None
        inner: int | None = None
        for member, type_id in self.members(record):
            if member == "type":
                pointer = self.resolve(type_id)
                if pointer is not None and pointer.kind == _PTR:
                    array = self.resolve(self.btf.words(pointer)[0])
                    if array is not None and array.kind == _ARRAY:
                        found = self.btf.words(array)[3]
            elif member == "values":
                array = self.resolve(type_id)
                if array is not None and array.kind == _ARRAY:
                    pointer = self.resolve(self.btf.words(array)[1])
                    if pointer is not None and pointer.kind == _PTR:
                        inner = self.btf.words(pointer)[0]
        return found, inner


def maps_of(obj: BPFObject, btf: BTF | None) -> list[MapDef]:
    """Every map libbpf would create for ``obj``, in section order."""
    found: list[MapDef] = []
    types = None
    try:
        types = _Types(btf) if btf is not None else None
        if types is not None and obj.section(".maps") is not None:
            for name, var_type in types.datasec(".maps"):
                value, inner = types.map_type(var_type)
                if value is None:
                    raise ObjectError(
                        f"map {name!r} in .maps has no 'type' member (__uint(type, ...))",
                        source=obj.origin,
                    )
                if inner is not None:
                    inner_value, _ = types.map_type(inner)
                    if inner_value is not None:
                        found.append(MapDef(f"{name}.inner", inner_value, "inner"))
                held = types.value_of(var_type)
                fields = types.special(held) if held is not None else ()
                found.append(MapDef(name, value, "btf", fields))
        if types is not None:
            if types.datasec(".kconfig"):
                found.append(MapDef(".kconfig", ARRAY, "kconfig"))
            for ops in (".struct_ops", ".struct_ops.link"):
                if obj.section(ops) is not None:
                    found += [MapDef(n, STRUCT_OPS, "struct_ops") for n, _ in types.datasec(ops)]
    except BTFError as error:
        raise ObjectError(f"unreadable .BTF: {error}", source=obj.origin) from error
    if obj.section(".maps") is not None and types is None:
        raise ObjectError(".maps section without .BTF: libbpf cannot read it", source=obj.origin)
    for section in obj.sections:
        if section.size and any(
            section.name == base or section.name.startswith(base + ".") for base in _INTERNAL
        ):
            if section.type in (SHT_PROGBITS, SHT_NOBITS):
                fields = () if types is None else _datasec_fields(types, section.name)
                found.append(MapDef(section.name, ARRAY, "internal", fields))
        elif section.name == "maps" or section.name.startswith("maps/"):
            found += _legacy(obj, section.index, section.name, section.data)
    return found


def _datasec_fields(types: _Types, name: str) -> tuple[str, ...]:
    """Kernel-managed fields of the global variables of one data section."""
    fields: dict[str, None] = {}
    for _, type_id in types.datasec(name):
        fields.update(dict.fromkeys(types.special(type_id)))
    return tuple(fields)


def _legacy(obj: BPFObject, index: int, name: str, data: bytes) -> list[MapDef]:
    """``struct bpf_map_def`` records: one per symbol of the section, else one at 0."""
    starts = sorted({(value, sym) for sym, shndx, value, _, kind, _ in obj.symbols
                     if shndx == index and kind in (0, 1) and sym})  # fmt: skip
    if not starts:
        starts = [(0, name.removeprefix("maps/") or name)]
    found = []
    for offset, symbol in starts:
        if offset + 4 > len(data):
            raise ObjectError(
                f"legacy map {symbol!r} at offset {offset} runs past section {name} "
                f"({len(data)} bytes)",
                source=obj.origin,
            )
        (value,) = struct.unpack_from(obj.byte_order + "I", data, offset)
        found.append(MapDef(symbol, value, "legacy"))
    return found


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a struct_ops map puts a program: map, ops struct (as the kernel names it), member."""

    map: str
    struct: str
    member: str


def struct_ops_slots(obj: BPFObject, btf: BTF | None) -> dict[str, Slot]:
    """Program name -> its :class:`Slot`, from the relocations of ``.struct_ops`` sections.

    libbpf matches the kernel's struct by the object's type name without a ``___flavor``
    suffix, and each member by name (``bpf_map__init_kern_struct_ops``).
    """
    slots: dict[str, Slot] = {}
    if btf is None:
        return slots
    types = _Types(btf)
    for section in obj.sections:
        if section.name.lstrip("?") not in (".struct_ops", ".struct_ops.link"):
            continue
        variables = types.variables(section.name)
        for offset, symbol, _ in obj.relocated.get(section.index, ()):
            for var, type_id, start in variables:
                record = types.resolve(type_id)
                if record is None or record.kind != _STRUCT or offset < start:
                    continue
                words = btf.words(record)
                if offset >= start + words[0]:
                    continue
                for i in range(1, len(words), 3):
                    if start + (words[i + 2] & 0xFFFFFF) // 8 == offset:
                        struct = btf.string(record.name_off).split("___")[0]
                        slots[symbol] = Slot(var, struct, btf.string(words[i]))
    return slots
