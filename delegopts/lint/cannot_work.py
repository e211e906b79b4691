"""D4xx: delegations the kernel accepts at mount time but that can never be used.

A token is checked when it is used (see :mod:`delegopts.lint._kernel`): ``delegate_maps``
does nothing without ``map_create``, ``delegate_progs``/``delegate_attachs`` nothing without
``prog_load``, and a program loads only if its type *and* its attach type are delegated.
Rules about a missing option point at the option that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator

from delegopts.catalog import OptionKind
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.lint._kernel import ATTACH_NEEDS, CMD_BITS
from delegopts.lint._where import Where
from delegopts.options import Mask, Options, Step

__all__ = ["cannot_work"]

_CMDS, _MAPS, _PROGS, _ATTACHS = OptionKind


def _has(mask: Mask, cmd: str) -> bool:
    return bool(mask.effective >> CMD_BITS[cmd] & 1)


def cannot_work(options: Options, where: Where) -> Iterator[Diagnostic]:
    cmds, maps, progs, attachs = options.cmds, options.maps, options.progs, options.attachs
    if not cmds:
        yield from _no_cmds(options, where)
        return
    if maps and not _has(cmds, "map_create"):
        yield Diagnostic(
            Code.MAPS_WITHOUT_MAP_CREATE,
            f"delegate_maps={maps} is never used: delegate_cmds={cmds} lacks map_create",
            where.key_span(_MAPS),
            "add map_create to delegate_cmds",
        )
    for mask, code in ((progs, Code.PROGS_WITHOUT_PROG_LOAD),
                       (attachs, Code.ATTACHS_WITHOUT_PROG_LOAD)):  # fmt: skip
        if mask and not _has(cmds, "prog_load"):
            yield Diagnostic(
                code,
                f"{mask.kind.key}={mask} is never used: delegate_cmds={cmds} lacks prog_load",
                where.key_span(mask.kind),
                "add prog_load to delegate_cmds",
            )
    if cmds.is_any:  # 'any' did not ask for map_create/prog_load by name
        return
    yield from _cmd_without(where, "map_create", maps, Code.MAP_CREATE_WITHOUT_MAPS, "map type")
    yield from _cmd_without(where, "prog_load", progs, Code.PROG_LOAD_WITHOUT_PROGS, "program type")
    yield from _cmd_without(
        where, "prog_load", attachs, Code.PROG_LOAD_WITHOUT_ATTACHS, "attach type"
    )


def _no_cmds(options: Options, where: Where) -> Iterator[Diagnostic]:
    others = [mask for mask in (options.maps, options.progs, options.attachs) if mask]
    if not others:
        return
    needed = ["map_create"] if options.maps else []
    if options.progs or options.attachs:
        needed.append("prog_load")
    keys = ", ".join(mask.kind.key for mask in others)
    yield Diagnostic(
        Code.NO_DELEGATE_CMDS,
        f"{keys} without delegate_cmds: a token can be created, but no command accepts it",
        where.key_span(others[0].kind),
        f"add delegate_cmds={':'.join(needed)}",
    )


def _cmd_without(where: Where, cmd: str, mask: Mask, code: Code, noun: str) -> Iterator[Diagnostic]:
    step = where.setter(_CMDS, CMD_BITS[cmd])
    if mask or not where.cmds >> CMD_BITS[cmd] & 1:
        return
    yield Diagnostic(
        code,
        f"{_text(step, _CMDS)!r}: {cmd} is delegated but no {noun} is: every {cmd} with the "
        "token is refused",
        _span(step, where, _CMDS),
        f"add {mask.kind.key}=... with the {noun}s the workload uses",
    )


def attach_rules(options: Options, where: Where) -> Iterator[Diagnostic]:
    """D408-D410: program types that no delegated attach type lets load."""
    cmds, progs, attachs = options.cmds, options.progs, options.attachs
    if not (_has(cmds, "prog_load") and progs and attachs) or not options.catalog.has_btf:
        return
    unloadable: dict[Step | None, list[str]] = {}
    no_default: dict[Step | None, list[tuple[str, str]]] = {}
    for name in progs.granted():
        needs = ATTACH_NEEDS.get(name.name)
        if needs is None:  # unspec, struct_ops and types newer than this table
            continue
        step = where.setter(_PROGS, name.bit)
        usable = [a for a in needs.named if a in attachs]
        if needs.default is not None and needs.default in attachs:
            continue
        if usable and needs.default is not None:
            no_default.setdefault(step, []).append((name.name, needs.default))
        elif not usable:
            unloadable.setdefault(step, []).append(name.name)
    for step, names in unloadable.items():
        yield _unloadable(step, names, options, where)
    for step, pairs in no_default.items():
        yield _no_default(step, pairs, where)
    struct_ops = progs.enum.lookup("struct_ops")
    if struct_ops is not None and struct_ops in progs.granted() and not attachs.is_any:
        step = where.setter(_PROGS, struct_ops.bit)
        yield Diagnostic(
            Code.STRUCT_OPS_ATTACHS,
            f"{_text(step)!r}: struct_ops programs load with the index of the struct member "
            f"they implement as attach type, and delegate_attachs={attachs} covers only some "
            "indices",
            _span(step, where, _PROGS),
            "delegate_attachs=any",
        )


def _needs_text(name: str, options: Options) -> str:
    needs = ATTACH_NEEDS[name]
    known = [a for a in needs.named if options.attachs.enum.lookup(a) is not None]
    options_text = list(known)
    if needs.default == "cgroup_inet_ingress":
        options_text.insert(0, f"{needs.default} (the default, 0)")
    elif needs.default is not None:
        options_text.insert(0, f"{needs.default} (the default)")
    if len(options_text) > 4:
        options_text = [*options_text[:3], f"{len(options_text) - 3} more"]
    return ", ".join(options_text)


def _unloadable(step: Step | None, names: list[str], options: Options, where: Where) -> Diagnostic:
    first = names[0]
    needs = ATTACH_NEEDS[first]
    fix_attach = needs.default or next(
        (a for a in needs.named if options.attachs.enum.lookup(a) is not None), needs.named[0]
    )
    if len(names) == 1:
        message = (
            f"{_text(step)!r}: {first} programs never load, delegate_attachs={options.attachs} "
            f"has none of their attach types ({_needs_text(first, options)})"
        )
    else:
        message = (
            f"{_text(step)!r}: these program types never load, no delegated attach type "
            "fits them: " + ", ".join(names)
        )
    return Diagnostic(
        Code.PROG_TYPE_UNLOADABLE,
        message,
        _span(step, where, _PROGS),
        f"add {fix_attach} to delegate_attachs",
    )


def _no_default(step: Step | None, pairs: list[tuple[str, str]], where: Where) -> Diagnostic:
    names = ", ".join(name for name, _ in pairs)
    defaults = sorted({default for _, default in pairs})
    return Diagnostic(
        Code.DEFAULT_ATTACH_MISSING,
        f"{_text(step)!r}: {names} programs load only when the loader names an attach type; a load "
        f"without one asks for {' or '.join(defaults)}, which is not delegated",
        _span(step, where, _PROGS),
        f"add {defaults[0]} to delegate_attachs if loaders do not set expected_attach_type",
    )


def _text(step: Step | None, kind: OptionKind = _PROGS) -> str:
    return step.text if step is not None else kind.key


def _span(step: Step | None, where: Where, kind: OptionKind) -> Span:
    return step.span if step is not None else where.key_span(kind)
