"""What a BPF token must allow for libbpf to load an object, bit by bit, and why.

The kernel (``kernel/bpf/token.c``, ``syscall.c``) checks a token on ``BPF_MAP_CREATE``
(command and map type), ``BPF_PROG_LOAD`` (command, program type and the bit of
``expected_attach_type``, where 0 is ``cgroup_inet_ingress`` except for the types the
kernel fixes up) and ``BPF_BTF_LOAD``. libbpf (``src/libbpf.c``, ``src/features.c``)
creates the token from ``LIBBPF_BPF_TOKEN_PATH`` (default ``/sys/fs/bpf``) and uses it
for everything it loads, its feature probes included. Each bit of the answer is a
:class:`Need` with a role:

- ``load``: the object's own maps and programs; without the bit their load fails.
- ``btf``: ``btf_load`` for the object's ``.BTF``; without it libbpf loads no BTF and
  says nothing: loads that need BTF (kfuncs, spin locks, ``__arg_ctx``...) then fail.
- ``probe``: libbpf's probes. ``required`` probes fail the load, or change what is loaded
  (an optional attach type dropped to 0), when refused; the others only degrade
  something (:attr:`Probe.without` says what) and are left out of the option string
  unless asked for.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from delegopts.btf import BTF
from delegopts.catalog import Catalog, OptionKind
from delegopts.derive.elfobj import BPFObject, ObjectError
from delegopts.derive.maps import MapDef, Slot, maps_of, object_btf, struct_ops_slots
from delegopts.derive.sections import SectionTable
from delegopts.errors import InputError
from delegopts.lint._kernel import ATTACH_NEEDS, NET_ADMIN_PROGS, READS_KERNEL
from delegopts.options import Options

__all__ = [
    "PROBES",
    "Answer",
    "Need",
    "Probe",
    "Role",
    "derive",
    "load_objects",
    "needs_kernel_btf",
]

#: Who needs a bit: the object's own loads, its BTF, or one of libbpf's probes.
Role = Literal["load", "btf", "probe"]

_CMDS, _MAPS, _PROGS, _ATTACHS = (OptionKind.CMDS, OptionKind.MAPS, OptionKind.PROGS,
                                  OptionKind.ATTACHS)  # fmt: skip
_INGRESS = "cgroup_inet_ingress"
_MAP_IN_MAP = frozenset({12, 13})  # BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS
_ARENA = 33  # BPF_MAP_TYPE_ARENA
# bpf_probe_read_{user,kernel}[_str]: libbpf rewrites them where its probe fails.
_PROBE_READ_HELPERS = frozenset({112, 113, 114, 115})


@dataclass(frozen=True, slots=True)
class Probe:
    """One libbpf feature probe: the bits it uses, whether the load needs it, and the loss."""

    name: str
    what: str
    bits: tuple[tuple[OptionKind, str], ...]
    required: bool
    without: str
    fatal: bool = False  # refused, libbpf does not load the object at all


def _prog(prog: str, attach: str = _INGRESS) -> tuple[tuple[OptionKind, str], ...]:
    return ((_CMDS, "prog_load"), (_PROGS, prog), (_ATTACHS, attach))


_ARRAY_MAP = ((_CMDS, "map_create"), (_MAPS, "array"))

#: The probes of libbpf 1.7 (src/features.c) that a token can refuse, by libbpf's name.
PROBES = {
    "loading": Probe(
        "loading", "libbpf first loads a trivial socket_filter program (or, refused, a "
        "tracepoint one) to check that BPF works", _prog("socket_filter"), True,
        "libbpf stops: \"Couldn't load trivial BPF program\"", fatal=True),
    "loading_tracepoint": Probe(
        "loading_tracepoint", "libbpf first loads a trivial socket_filter program, and where "
        "that is refused a tracepoint one, to check that BPF works", _prog("tracepoint"), True,
        "libbpf stops: \"Couldn't load trivial BPF program\"", fatal=True),
    "global_data": Probe(
        "global_data", "global variables: an array map and a socket_filter program using it",
        _ARRAY_MAP + _prog("socket_filter"), True,
        "libbpf skips the global data maps (.rodata, .data, .bss, .kconfig), and every "
        "program that uses them fails to load", fatal=True),
    "exp_attach_type": Probe(
        "exp_attach_type", "whether the kernel takes expected_attach_type: a cgroup_sock "
        "program with attach type cgroup_inet_sock_create",
        _prog("cgroup_sock", "cgroup_inet_sock_create"), True,
        "libbpf loads {programs} without expected attach type (0): the load then needs "
        "cgroup_inet_ingress instead, and the kernel treats the program as the plain type"),
    "uprobe_multi_link": Probe(
        "uprobe_multi_link", "multi-uprobe links: a kprobe program with attach type "
        "trace_uprobe_multi", _prog("kprobe", "trace_uprobe_multi"), True,
        "libbpf loads USDT programs {programs} as single uprobes (attach type 0, so "
        "cgroup_inet_ingress instead)"),
    "prog_name": Probe(
        "prog_name", "program names: a socket_filter program with a name",
        _prog("socket_filter"), False, "programs and maps are loaded without names"),
    "prog_bind_map": Probe(
        "prog_bind_map", "BPF_PROG_BIND_MAP: an array map and a socket_filter program",
        _ARRAY_MAP + _prog("socket_filter"), False,
        ".rodata is not bound to the programs (tools that list a program's maps miss it)"),
    "probe_read_kernel": Probe(
        "probe_read_kernel", "bpf_probe_read_kernel(): a tracepoint program calling it",
        _prog("tracepoint"), False,
        "calls of bpf_probe_read_{{kernel,user}}[_str] in {programs} become bpf_probe_read[_str]"),
    "arg_ctx_tag": Probe(
        "arg_ctx_tag", "__arg_ctx support: BTF and a kprobe program with a tagged subprogram",
        ((_CMDS, "btf_load"), *_prog("kprobe")), False,
        "libbpf rewrites __arg_ctx arguments itself (only objects that use __arg_ctx notice)"),
    "ldimm64_full_range_off": Probe(
        "ldimm64_full_range_off", "whether global variables may sit at the end of an arena: "
        "an array map and a socket_filter program the verifier refuses, read from its log",
        _ARRAY_MAP + _prog("socket_filter"), False,
        "libbpf places the arena's global variables at its start instead of its end"),
    "bpf_cookie": Probe(
        "bpf_cookie", "bpf_get_attach_cookie(): a tracepoint program calling it",
        _prog("tracepoint"), False, "LINUX_HAS_BPF_COOKIE reads false in {programs}'s object"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Need:
    """One bit one thing needs: option, name as bpffs spells it, role, why, and where."""

    kind: OptionKind
    name: str
    role: Role
    why: str
    origin: str
    probe: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """The needs of one or more objects, the capabilities, and what cannot be granted."""

    libbpf: str
    kernel: str
    objects: tuple[str, ...]
    needs: tuple[Need, ...]
    capabilities: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    errors: tuple[str, ...]
    probe_effects: tuple[tuple[str, str], ...] = field(default=())
    #: For a kernel without BTF, which takes numbers only: each name's enum value.
    values: Mapping[tuple[OptionKind, str], int] | None = None

    @classmethod
    def from_options(cls, options: Options, *, label: str = "the objects") -> Answer:
        """An answer needing exactly the names ``options`` grant, each by ``label``;
        ``btf_load`` is BTF-only, as derive labels it where no map needs it."""
        needs = tuple(
            Need(mask.kind, name.name, "btf" if name.name == "btf_load" else "load", label, label)
            for mask in options if not mask.is_any for name in mask.shown
        )  # fmt: skip
        caps = (("CAP_BPF", "every use of the token"),)
        return cls("any", options.catalog.label, (label,), needs, caps, (), ())

    def bits(self, *, optional_probes: bool = False) -> dict[OptionKind, list[str]]:
        """The names each option needs, in first-seen order."""
        found: dict[OptionKind, list[str]] = {kind: [] for kind in OptionKind}
        for need in self.needs:
            if need.role == "probe" and not _required(need) and not optional_probes:
                continue
            if need.name not in found[need.kind]:
                found[need.kind].append(need.name)
        return found

    def option_string(self, *, optional_probes: bool = False) -> str:
        """The delegate options as bpffs takes them (canonicalise with ``delegopts.parse``)."""
        bits = self.bits(optional_probes=optional_probes)
        if self.values is not None:  # numbers: the kernel has no names to match
            masks = {
                kind: sum(1 << self.values[kind, n] for n in names) for kind, names in bits.items()
            }
            return ",".join(f"{kind.key}={mask:#x}" for kind, mask in masks.items() if mask)
        return ",".join(f"{kind.key}={':'.join(names)}" for kind, names in bits.items() if names)

    def roles(self, kind: OptionKind, name: str) -> set[str]:
        """The roles of every need of one bit: ``{"load"}``, ``{"probe"}``..."""
        return {need.role for need in self.needs if need.kind is kind and need.name == name}

    def only_probe_or_btf(self, kind: OptionKind, name: str) -> bool:
        """Whether no map or program of the objects needs the bit itself."""
        return "load" not in self.roles(kind, name)


def _required(need: Need) -> bool:
    return need.probe is not None and PROBES[need.probe].required


def _attach_bit(prog_type: str, attach: str | None) -> str:
    """The attach type bit the token is checked for (0 after the kernel's fixup)."""
    if attach is not None:
        return attach
    needs = ATTACH_NEEDS.get(prog_type)
    return needs.default if needs is not None and needs.default else _INGRESS


def _section_data(obj: BPFObject, name: str) -> bytes:
    section = obj.section(name)
    return b"" if section is None else section.data


def _helpers(obj: BPFObject, code: bytes) -> set[int]:
    """Helper ids the instructions call (``call imm`` with src_reg 0)."""
    found: set[int] = set()
    low_src = obj.big_endian  # the register nibbles swap with the byte order
    for at in range(0, len(code) - 7, 8):
        if code[at] != 0x85:
            continue
        regs = code[at + 1]
        src = regs & 0x0F if low_src else regs >> 4
        if src == 0:
            found.add(struct.unpack_from(obj.byte_order + "i", code, at + 4)[0])
    return found


class _Collector:
    def __init__(self, table: SectionTable, kernel_btf: BTF | None) -> None:
        self.table = table
        self.kernel_btf = kernel_btf
        self.slots: dict[str, Slot] = {}
        self.needs: list[Need] = []
        self.notes: list[str] = []
        self.errors: list[str] = []
        self.effects: dict[str, list[str]] = {}
        self.perf: dict[str, list[str]] = {}  # program type -> programs attached by perf

    def need(self, kind: OptionKind, name: str, role: Role, why: str, origin: str) -> None:
        self.needs.append(Need(kind, name, role, why, origin))

    def probe(self, name: str, origin: str, programs: Iterable[str] = ()) -> None:
        probe = PROBES[name]
        for kind, bit in probe.bits:
            self.needs.append(Need(kind, bit, "probe", f"libbpf's probe of {probe.what}",
                                   origin, name))  # fmt: skip
        self.effects.setdefault(name, []).extend(programs)

    def add(self, obj: BPFObject) -> None:
        btf = object_btf(obj)
        maps = maps_of(obj, btf)
        self.slots = struct_ops_slots(obj, btf)
        origin = obj.origin
        self._maps(obj, maps)
        if btf is not None:
            self.need(_CMDS, "btf_load", "btf", f"the object's .BTF ({btf.size} bytes)", origin)
            if obj.section(".BTF.ext") is not None:  # func info: libbpf checks __arg_ctx
                self.probe("arg_ctx_tag", origin)
        self._programs(obj)
        if (obj.programs or maps) and self.table.probe_loading_with_token:
            # A tracepoint program with attach type 0 makes libbpf's fallback pass.
            kinds = [self.table.match(p.section) for p in obj.programs]
            tracepoint = any(k is not None and k.prog_type == "tracepoint" for k in kinds)
            self.probe("loading_tracepoint" if tracepoint else "loading", origin)
        if (obj.programs or maps) and self.table.prog_name_probe_with_token:
            self.probe("prog_name", origin)
        elif obj.programs or maps:
            self.notes.append(
                f"{origin}: libbpf {self.table.release}'s probe of program names passes an "
                "attribute that ends before the token's field, so it fails through any token: "
                "programs and maps are loaded without names"
            )
        if self.table.arena_probe and any(m.type == _ARENA for m in maps):
            self.probe("ldimm64_full_range_off", origin)
        if any(m.source in ("internal", "kconfig") for m in maps):
            self.probe("global_data", origin)
        if any(m.source == "internal" and m.name.startswith(".rodata") for m in maps):
            self.probe("prog_bind_map", origin)
        # An extern of that name is in the BTF strings; libbpf fills it from its probe.
        if btf is not None and b"\0LINUX_HAS_BPF_COOKIE\0" in _section_data(obj, ".BTF"):
            self.probe("bpf_cookie", origin, [origin])
        if obj.big_endian != (struct.pack("=H", 1) == b"\x00\x01"):
            self.notes.append(
                f"{origin}: its byte order is not this machine's: libbpf loads it only on a "
                "machine of its own byte order"
            )

    def _struct_ops(self, obj: BPFObject, name: str, label: str) -> None:
        """A struct_ops program's attach type is its member's index in the kernel's struct."""
        slot = self.slots.get(name)
        if slot is None:
            self.errors.append(f"{obj.origin}: {label}: no struct_ops map uses it, and libbpf "
                               "refuses to load such a program")  # fmt: skip
            return
        where = f"{label}, member {slot.member} of struct {slot.struct} in map {slot.map}"
        members = None if self.kernel_btf is None else self.kernel_btf.struct_members(slot.struct)
        if members is None or slot.member not in members:
            self.errors.append(
                f"{obj.origin}: {where}: its attach type is the member's index in the "
                f"kernel's struct {slot.struct}, "
                + ("which needs the kernel's complete BTF (--btf, or the running kernel; "
                   "shipped snapshots hold only the enums)" if self.kernel_btf is None
                   else "which this kernel does not have")
            )  # fmt: skip
            return
        self.need(_CMDS, "prog_load", "load", where, obj.origin)
        self.need(_PROGS, "struct_ops", "load", where, obj.origin)
        self.need(_ATTACHS, f"#{members.index(slot.member)}", "load", where, obj.origin)

    def _maps(self, obj: BPFObject, maps: list[MapDef]) -> None:
        if any(m.source == "legacy" for m in maps):
            self.notes.append(
                f"{obj.origin}: legacy map definitions (sections maps/NAME, struct "
                "bpf_map_def): libbpf 1.0 and later refuse them; the answer is for a loader "
                "that still reads them (libbpf 0.x, cilium/ebpf, or the application's own)"
            )
        inner = {m.name for m in maps if m.source == "inner"}
        for found in maps:
            if found.type in _MAP_IN_MAP and f"{found.name}.inner" not in inner:
                self.notes.append(
                    f"{obj.origin}: map {found.name} holds maps its object does not describe "
                    "(no __array(values, ...)): the application creates the inner map "
                    "itself, and its type must be delegated too"
                )
            self.need(_CMDS, "map_create", "load", f"map {found.name}", obj.origin)
            if found.fields:
                # The kernel refuses these maps without BTF: btf_load is the load's own.
                held = ", ".join(found.fields)
                self.need(_CMDS, "btf_load", "load",
                          f"map {found.name} (its value holds {held}: created only with BTF)",
                          obj.origin)  # fmt: skip
            self.need(_MAPS, f"#{found.type}", "load", f"map {found.name} ({found.source})",
                      obj.origin)  # fmt: skip

    def _freplace(self, obj: BPFObject, label: str) -> None:
        """freplace replaces a function of another BPF program: libbpf reads that program's
        BTF (libbpf_find_prog_btf_id) with BPF_BTF_GET_FD_BY_ID, through the token from
        libbpf 1.6 on, which the kernel takes from Linux 6.15 on (``fd_by_id_token_fd``)."""
        if not self.table.btf_by_id_with_token:
            self.errors.append(
                f"{obj.origin}: {label}: libbpf {self.table.release} reads the target "
                "program's BTF with BPF_BTF_GET_FD_BY_ID without the token (libbpf 1.6 passes "
                "it), which needs CAP_SYS_ADMIN in the initial user namespace: the program "
                "does not load through a token"
            )
            return
        self.need(_CMDS, "btf_get_fd_by_id", "load",
                  f"{label}: libbpf reads its target program's BTF with BPF_BTF_GET_FD_BY_ID",
                  obj.origin)  # fmt: skip
        if self.kernel_btf is not None and not self.kernel_btf.has_string("fd_by_id_token_fd"):
            self.errors.append(
                f"{obj.origin}: {label}: this kernel's BPF_BTF_GET_FD_BY_ID takes no token "
                "(Linux 6.15 added it), so libbpf cannot read the target program's BTF in a "
                "user namespace and the program does not load through a token"
            )

    def _programs(self, obj: BPFObject) -> None:
        for program in obj.programs:
            label = f"program {program.name} (SEC {program.section!r})"
            if program.section.startswith("?"):
                # libbpf's convention: loaded only where the application turns autoload on.
                self.notes.append(f"{obj.origin}: {label} is not loaded unless the "
                                  "application turns its autoload on; it is left out")  # fmt: skip
                continue
            if program.local:
                self.errors.append(f"{obj.origin}: {label} is a static function: libbpf 1.0 "
                                   "and later refuse to load it (make it global)")  # fmt: skip
                continue
            kind = self.table.match(program.section)
            if kind is None:
                self.errors.append(
                    f"{obj.origin}: {label}: libbpf {self.table.release} knows no such "
                    "section, so it cannot tell the program type"
                )
                continue
            if kind.prog_type == "struct_ops":
                self._struct_ops(obj, program.name, label)
                continue
            self.need(_CMDS, "prog_load", "load", label, obj.origin)
            self.need(_PROGS, kind.prog_type, "load", label, obj.origin)
            if kind.prog_type == "ext":
                self._freplace(obj, label)
            if "USDT" in kind.flags:
                # Loaded as a multi-uprobe where libbpf's probe passes, else with 0.
                self.probe("uprobe_multi_link", obj.origin, [program.name])
                self.needs.append(Need(_ATTACHS, "trace_uprobe_multi", "probe",
                                       f"{label}: USDT as multi-uprobe", obj.origin,
                                       "uprobe_multi_link"))  # fmt: skip
            else:
                attach = _attach_bit(kind.prog_type, kind.attach_type)
                self.need(_ATTACHS, attach, "load", label, obj.origin)
            if kind.attach_optional:
                self.probe("exp_attach_type", obj.origin, [program.name])
            if _PROBE_READ_HELPERS & _helpers(obj, program.code):
                self.probe("probe_read_kernel", obj.origin, [program.name])
            if kind.prog_type in ("kprobe", "tracepoint", "perf_event"):
                self.perf.setdefault(kind.prog_type, []).append(program.name)


def derive(
    objects: Iterable[BPFObject],
    catalog: Catalog,
    table: SectionTable,
    kernel_btf: BTF | None = None,
) -> Answer:
    """The needs of ``objects`` for the kernel of ``catalog`` and libbpf ``table.release``.

    Map types are named by the kernel's ``enum bpf_map_type``; a program, map or attach
    type the kernel does not have becomes an error of the answer. struct_ops programs
    need ``kernel_btf``, the kernel's complete BTF, for their members' indices.
    """
    collector = _Collector(table, kernel_btf)
    if not catalog.supports_delegation:
        collector.errors.append(
            f"kernel {catalog.label} has no BPF token delegation (bpffs delegate_* options "
            "came with Linux 6.9)"
        )
    names: list[str] = []
    for obj in objects:
        names.append(obj.origin)
        collector.add(obj)
    # A kernel without BTF takes numbers only; the values are UAPI, so the shipped
    # snapshot's names give them, checked against this kernel's range.
    names_of = catalog if catalog.has_btf else _reference_catalog()
    numbered = {kind: {n.value: n.name for n in reversed(names_of[kind].names) if n.fits}
                for kind in (_MAPS, _ATTACHS)}  # fmt: skip
    guard = names_of[_ATTACHS].guard if catalog.has_btf else None
    if guard is not None:  # bpf_token_allow_prog_type() refuses attach types past the guard
        numbered[_ATTACHS] = {v: n for v, n in numbered[_ATTACHS].items() if v < guard}
    needs: list[Need] = []
    values: dict[tuple[OptionKind, str], int] = {}
    errors = list(collector.errors)
    for need in collector.needs:
        name = need.name
        if name.startswith("#"):  # a number: named by the kernel's enum
            value = int(name[1:])
            named = numbered[need.kind].get(value)
            if named is None:
                errors.append(f"{need.origin}: {need.why}: {value} is not {_a(need.kind.noun)} "
                              f"of kernel {catalog.label}, so no token can allow it")  # fmt: skip
                continue
            name = named
        known = names_of[need.kind].lookup(name)
        if known is None or not catalog[need.kind].any_mask >> known.bit & 1:
            errors.append(f"{need.origin}: {need.why}: {name!r} is not {_a(need.kind.noun)} of "
                          f"kernel {catalog.label}")  # fmt: skip
            continue
        if not catalog.has_btf:
            values[need.kind, name] = known.value
        needs.append(Need(need.kind, name, need.role, need.why, need.origin, need.probe))
    caps = {"CAP_BPF": "every use of the token"}
    for need in needs:
        if need.kind is not _PROGS or (need.role == "probe" and not _required(need)):
            continue
        for cap, types in (("CAP_PERFMON", READS_KERNEL), ("CAP_NET_ADMIN", NET_ADMIN_PROGS)):
            if need.name in types:
                caps.setdefault(cap, f"{need.name} programs ({need.why})")
    for prog_type, programs in collector.perf.items():
        collector.notes.append(
            f"{prog_type} programs ({len(programs)}: {', '.join(programs[:3])}"
            f"{', ...' if len(programs) > 3 else ''}) attach through perf_event_open(2), "
            "which no BPF token covers: the host's perf_event_paranoid and capabilities in "
            "the initial user namespace decide whether they can attach"
        )
    effects = []
    for probe, programs in collector.effects.items():
        listed = ", ".join(dict.fromkeys(programs)) or "the object"
        effects.append((probe, PROBES[probe].without.format(programs=listed)))
    return Answer(table.release, catalog.label, tuple(names), tuple(needs), tuple(caps.items()),
                  tuple(dict.fromkeys(collector.notes)), tuple(dict.fromkeys(errors)),
                  tuple(effects), None if catalog.has_btf else values)  # fmt: skip


@functools.cache
def _reference_catalog() -> Catalog:
    """The newest shipped snapshot's names, for their UAPI values."""
    from delegopts.btf import snapshots

    newest = snapshots.newest()
    if newest is None:
        raise ObjectError("no shipped snapshot to name enum values", source="delegopts")
    return Catalog.from_bytes(snapshots.load(newest), label=newest)


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def needs_kernel_btf(objects: list[BPFObject]) -> bool:
    """Whether the answer for ``objects`` reads the kernel's complete BTF: struct_ops
    members' indices, and whether BPF_BTF_GET_FD_BY_ID takes a token (freplace)."""
    return any(
        program.section.startswith(("struct_ops", "freplace"))
        for obj in objects
        for program in obj.programs
    )


def load_objects(paths: list[str]) -> tuple[list[BPFObject], list[str]]:
    """The BPF objects of files and directories (``-``: standard input), and the problems
    met on the way."""
    import sys

    from delegopts.derive.elfobj import MAX_FILE, find_objects, objects_in, walk

    objects: list[BPFObject] = []
    problems = [f"{p!r}: not a file name" for p in paths if not p or "\0" in p]
    if "-" in paths:  # standard input: one file's bytes, as far as a file may go
        stdin = getattr(sys.stdin, "buffer", None)  # None where stdin is text only
        try:
            data = b"" if stdin is None else stdin.read(MAX_FILE)
            objects += objects_in(data, "<stdin>")
        except ObjectError as error:
            problems.append(str(error))
        except OSError as error:
            problems.append(f"<stdin>: cannot read: {error.strerror or error}")
    for path in walk([p for p in paths if p and "\0" not in p and p != "-"]):
        try:
            objects += find_objects(path)
        except ObjectError as error:
            # A file found in a directory may be anything: only a named one must be BPF.
            if str(path) in paths or "no BPF object" not in str(error):
                problems.append(str(error))
        except InputError as error:
            problems.append(str(error))
        except OSError as error:
            problems.append(f"{path}: cannot read: {error.strerror or error}")
    return objects, problems
