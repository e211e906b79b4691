"""Compare delegate options someone wrote with what BPF objects need.

Missing bits say which load fails and how (the kernel's ``EPERM`` on the map or program,
libbpf dropping BTF, a probe that degrades); surplus bits say what they would let the
workload do. Bits only libbpf's optional probes use are neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegopts.catalog import OptionKind
from delegopts.derive.needs import PROBES, Answer, Need
from delegopts.diagnostics import Code, Diagnostic
from delegopts.lint._kernel import GATED_CMDS, NET_ADMIN_PROGS, READS_KERNEL
from delegopts.options import Mask, Options

__all__ = ["Comparison", "Gap", "compare"]


@dataclass(frozen=True, slots=True)
class Gap:
    """One bit that is missing or surplus, and what that means.

    ``fails``: for a missing bit, whether the load fails without it (else it degrades).
    """

    kind: OptionKind
    name: str
    effect: str
    fails: bool = False


@dataclass(frozen=True, slots=True)
class Comparison:
    """What ``options`` lack for the objects, and what they grant beyond them."""

    missing: tuple[Gap, ...]
    surplus: tuple[Gap, ...]
    optional: tuple[Gap, ...]

    @property
    def enough(self) -> bool:
        return not self.missing


def _failure(kind: OptionKind, needs: list[Need], effects: dict[str, str]) -> str:
    """How the load goes without the bit: the first thing that needs it decides."""
    load = [n for n in needs if n.role == "load"]
    if load:
        first = load[0].why
        more = f" (and {len(load) - 1} more)" if len(load) > 1 else ""
        if kind is OptionKind.CMDS and needs[0].name == "btf_load":
            return f"{first}{more} cannot be created: the kernel refuses it without BTF"
        call = "BPF_MAP_CREATE" if first.startswith("map ") else "BPF_PROG_LOAD"
        return f"{call} of {first}{more} fails with EPERM and libbpf stops"
    if any(n.role == "btf" for n in needs):
        return ("libbpf loads no BTF and says nothing: maps lose their key and value types, "
                "programs their function and line information")  # fmt: skip
    probes = list(dict.fromkeys(n.probe for n in needs if n.probe is not None))
    # The gravest first: a probe that stops libbpf hides those that only degrade.
    for keep in (lambda p: p.fatal, lambda p: p.required, lambda p: True):
        chosen = [probe for probe in probes if keep(PROBES[probe])]
        if chosen:
            break
    return "; ".join(f"{probe}: {effects.get(probe, PROBES[probe].without)}" for probe in chosen)


def _risk(kind: OptionKind, name: str) -> str:
    """What an unneeded bit lets the workload do (or that it does nothing)."""
    if kind is OptionKind.CMDS:
        if name not in GATED_CMDS:
            return "no token is checked for this command: it delegates nothing"
        return f"lets the workload run {name} with the token"
    if kind is OptionKind.PROGS:
        if name in READS_KERNEL:
            return f"{name} programs: {READS_KERNEL[name]}"
        if name in NET_ADMIN_PROGS:
            return f"{name} programs act on the network of the token's namespace"
        return f"lets the workload load {name} programs"
    noun = "map type" if kind is OptionKind.MAPS else "attach type"
    return f"a {noun} nothing here uses"


def _any_risk(kind: OptionKind, extra: list[str]) -> str:
    text = f"grants {len(extra)} {kind.noun}s nothing here needs"
    if kind is OptionKind.CMDS:
        gated = [name for name in extra if name in GATED_CMDS]
        return text + (f", of which {', '.join(gated)} take a token" if gated else "")
    if kind is OptionKind.PROGS:
        risky = [name for name in extra if name in READS_KERNEL]
        return text + (f", {', '.join(risky)} among them: they read kernel memory" if risky
                       else "")  # fmt: skip
    return text


def _probes(answer: Answer, kind: OptionKind, name: str) -> list[str]:
    return sorted({n.probe for n in answer.needs if n.kind is kind and n.name == name and n.probe})


def _mask_of(bits: set[int]) -> int:
    return sum(1 << bit for bit in bits)


def compare(options: Options, answer: Answer) -> Comparison:
    """The bits ``options`` lack for ``answer``'s objects, and those it has beyond them."""
    masks = {mask.kind: mask for mask in options}
    needed = answer.bits()
    with_optional = answer.bits(optional_probes=True)
    effects = dict(answer.probe_effects)
    missing, surplus, optional = [], [], []
    for kind in OptionKind:
        mask = masks[kind]

        def bit_of(name: str, kind: OptionKind = kind, mask: Mask = mask) -> int | None:
            # Without BTF the kernel has no names: the answer carries each name's value.
            if answer.values is not None:
                return answer.values.get((kind, name))
            found = mask.enum.lookup(name)
            return None if found is None else found.bit

        for name in needed[kind]:
            bit = bit_of(name)
            if bit is None or not mask.effective >> bit & 1:
                needs = [n for n in answer.needs if n.kind is kind and n.name == name]
                fails = any(n.role == "load" or (n.probe and PROBES[n.probe].fatal) for n in needs)
                missing.append(Gap(kind, name, _failure(kind, needs, effects), bool(fails)))
        used = {bit for bit in map(bit_of, with_optional[kind]) if bit is not None}
        if mask.is_any:
            extra = [n for n in mask.granted() if n.bit not in used and mask.enum.shown_as(n) is n]
            surplus.append(Gap(kind, "any", _any_risk(kind, [n.name for n in extra])))
            continue
        for granted in mask.granted():
            label = granted.name
            if granted.bit in used:
                if label in with_optional[kind] and label not in needed[kind]:
                    probes = ", ".join(_probes(answer, kind, label))
                    optional.append(
                        Gap(kind, label, f"only libbpf's optional probes use it: {probes}")
                    )
                continue
            if mask.enum.shown_as(granted) is not granted:
                continue  # an alias: its bit is reported once
            surplus.append(Gap(kind, label, _risk(kind, label)))
        if mask.leftover & ~_mask_of(used):
            left = mask.leftover & ~_mask_of(used)
            surplus.append(Gap(kind, f"{left:#x}", "bits without a name on this kernel"))
    return Comparison(tuple(missing), tuple(surplus), tuple(optional))


def diagnose(options: Options, answer: Answer) -> list[Diagnostic]:
    """:func:`compare` as findings on the option string (D601, D602, D603).

    >>> from delegopts.semantics import parse
    >>> needs = Answer.from_options(parse("delegate_cmds=prog_load", tiny_catalog))
    >>> found = diagnose(parse("delegate_cmds=map_create", tiny_catalog), needs)
    >>> [(d.code.value, d.column, d.fix) for d in found]
    [('D601', 1, 'add prog_load to delegate_cmds'), ('D603', 15, 'remove it')]
    """
    from delegopts.lint._where import where

    result = compare(options, answer)
    at = where(options)
    found: list[Diagnostic] = []
    for gap in result.missing:
        code = Code.MISSING_FOR_OBJECTS if gap.fails else Code.DEGRADED_FOR_OBJECTS
        effect = gap.effect if gap.fails else f"the objects load, but {gap.effect}"
        message = f"{gap.name!r} is not in {gap.kind.key}: {effect}"
        fix = f"add {gap.name} to {gap.kind.key}"
        found.append(Diagnostic(code, message, at.key_span(gap.kind), fix))
    needed = answer.bits()
    for gap in (*result.surplus, *result.optional):
        mask = {m.kind: m for m in options}[gap.kind]
        name = mask.enum.lookup(gap.name)
        if gap.name == "any":
            span = at.bit_span(gap.kind, mask.enum.names[0].bit if mask.enum.names else 0)
            # In the order the kernel shows them.
            names = sorted(needed[gap.kind], key=lambda n: getattr(mask.enum.lookup(n), "index", 0))
            fix = f"write {gap.kind.key}={':'.join(names)}" if names else f"remove {gap.kind.key}"
        else:
            span = at.bit_span(gap.kind, name.bit) if name is not None else at.key_span(gap.kind)
            fix = "remove it"
        message = f"{gap.name!r} in {gap.kind.key} is more than the objects need: {gap.effect}"
        found.append(Diagnostic(Code.SURPLUS_FOR_OBJECTS, message, span, fix))
    return found
