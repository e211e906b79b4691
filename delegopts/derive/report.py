"""An :class:`~delegopts.derive.needs.Answer` as text for people and as JSON for scripts.

Names from BPF objects (sections, programs, maps, file names) are the object's to choose:
every line is shown with control and other unprintable characters escaped.
"""

from __future__ import annotations

from typing import Any

from delegopts.catalog import Catalog, OptionKind
from delegopts.derive.needs import PROBES, Answer, Need
from delegopts.display import printable
from delegopts.errors import OptionError

__all__ = ["canonical", "text_lines", "to_json"]

#: How many things needing one bit are named before "and N more".
SHOWN = 2
_ROLE_WORDS = {"load": "", "btf": "BTF: ", "probe": "probe: "}


def canonical(answer: Answer, catalog: Catalog, *, optional_probes: bool = False) -> str:
    """The option string as the kernel shows it; as derived where the kernel has no names."""
    from delegopts.semantics import parse

    text = answer.option_string(optional_probes=optional_probes)
    try:
        return str(parse(text, catalog))
    except OptionError:
        return text


_ORDER = {"load": 0, "btf": 1, "probe": 2}


def _who(needs: list[Need], optional_probes: bool, several: bool = False) -> str:
    """'map a, map b, program p (SEC 'x') and 4 more': maps and programs first, then BTF,
    then probes, each probe named once."""
    seen: dict[str, None] = {}
    for need in sorted(needs, key=lambda n: _ORDER[n.role]):
        if need.probe is not None and not PROBES[need.probe].required and not optional_probes:
            continue
        if need.role == "probe" and need.probe is not None:
            seen.setdefault(f"{_ROLE_WORDS['probe']}{need.probe}", None)
        else:
            where = f" in {need.origin.rsplit('/', 1)[-1]}" if several else ""
            seen.setdefault(f"{_ROLE_WORDS[need.role]}{need.why}{where}", None)
    items = list(seen)
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def text_lines(answer: Answer, catalog: Catalog, *, optional_probes: bool = False) -> list[str]:
    """The option string, then per bit who needs it, the probes, capabilities and notes."""
    count = len(answer.objects)
    lines = [
        canonical(answer, catalog, optional_probes=optional_probes),
        f"for libbpf {answer.libbpf} on kernel {answer.kernel}, from {count} "
        f"object{'s' if count != 1 else ''}",
    ]
    bits = answer.bits(optional_probes=optional_probes)
    for kind in OptionKind:
        if not bits[kind]:
            continue
        lines.append(f"  {kind.key}")
        width = max(len(name) for name in bits[kind])
        # In the order the kernel shows them, as in the option string above.
        for name in sorted(bits[kind], key=lambda n: getattr(catalog[kind].lookup(n), "index", 0)):
            needs = [n for n in answer.needs if n.kind is kind and n.name == name]
            who = _who(needs, optional_probes, several=count > 1)
            lines.append(f"    {name:<{width}}  {who}")
    effects = dict(answer.probe_effects)
    required = [name for name in effects if PROBES[name].required]
    optional = [name for name in effects if not PROBES[name].required]
    if required:
        lines.append("  libbpf's probes through the token; without their bits:")
        lines += [f"    {name}: {effects[name]}" for name in required]
    if optional and not optional_probes:
        lines.append("  left out, added by --with-optional-probes; without them:")
        for name in optional:
            probe = PROBES[name]
            needed = ":".join(bit for _, bit in probe.bits)
            lines.append(f"    {name} ({needed}): {effects[name]}")
    lines.append("  capabilities in the token's user namespace:")
    lines += [f"    {cap} for {why}" for cap, why in answer.capabilities]
    lines += [f"  note: {note}" for note in answer.notes]
    return [printable(line) for line in lines]


def to_json(answer: Answer, catalog: Catalog) -> dict[str, Any]:
    """Every bit with every need, the probes, capabilities, notes and errors."""
    bits: dict[str, dict[str, list[dict[str, Any]]]] = {kind.key: {} for kind in OptionKind}
    for need in answer.needs:
        bits[need.kind.key].setdefault(need.name, []).append(
            {"role": need.role, "why": need.why, "object": need.origin, "probe": need.probe}
        )
    return {
        "libbpf": answer.libbpf,
        "kernel": answer.kernel,
        "objects": list(answer.objects),
        "options": canonical(answer, catalog),
        "options_with_optional_probes": canonical(answer, catalog, optional_probes=True),
        "bits": bits,
        "probes": [
            {
                "name": name,
                "required": PROBES[name].required,
                "without": without,
                "bits": [{"option": kind.key, "name": bit} for kind, bit in PROBES[name].bits],
            }
            for name, without in answer.probe_effects
        ],
        "capabilities": [{"name": cap, "why": why} for cap, why in answer.capabilities],
        "notes": list(answer.notes),
        "errors": list(answer.errors),
    }
