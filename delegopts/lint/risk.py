"""D5xx: what a token from this mount lets a container do.

:func:`summarize` gives the per-mount :class:`Summary` (``to_json()`` for ``--json``); the
rules name the pieces that grant the most: program types that read kernel memory or act on
the whole host (the list and the reason for each are in
:data:`delegopts.lint._kernel.READS_KERNEL`, taken from ``is_perfmon_prog_type()`` in
kernel/bpf/syscall.c), ``any`` on every option, ``token_create`` and commands that no token
check ever looks at.
"""

from __future__ import annotations

from collections.abc import Iterator

from delegopts._namedtuple import NamedTuple
from delegopts.catalog import OptionKind
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.lint._kernel import (
    CMD_BITS,
    GATED_CMDS,
    NET_ADMIN_PROGS,
    READS_KERNEL,
    READS_KERNEL_VALUES,
)
from delegopts.lint._where import Where
from delegopts.options import Mask, Options, Step

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


__all__ = ["Summary", "risk", "summarize"]

_CMDS, _MAPS, _PROGS, _ATTACHS = OptionKind


class Summary(NamedTuple):
    """What a token from one bpffs mount grants (names are the kernel's, ``any`` kept)."""

    kernel: str
    commands: tuple[str, ...]
    ignored_commands: tuple[str, ...]
    maps: tuple[str, ...]
    programs: tuple[str, ...]
    attach_types: tuple[str, ...]
    reads_kernel: tuple[str, ...]
    capabilities: tuple[str, ...]
    can_create_maps: bool
    can_load_programs: bool
    any_everywhere: bool

    @property
    def delegates(self) -> bool:
        return bool(self.commands or self.ignored_commands or self.maps or self.programs
                    or self.attach_types)  # fmt: skip

    def headline(self) -> str:
        """One line: what the token allows."""
        if self.any_everywhere:
            return f"the token grants everything kernel {self.kernel} can delegate"
        if not (self.can_create_maps or self.can_load_programs or "btf_load" in self.commands):
            return "the token allows nothing: no command it gates is fully delegated"
        parts = [f"commands {_list(self.commands)}"]
        if self.can_create_maps:
            parts.append(f"map types {_list(self.maps)}")
        if self.can_load_programs:
            parts.append(f"program types {_list(self.programs)}")
            parts.append(f"attach types {_list(self.attach_types)}")
        caps = (
            f"; with {'+'.join(self.capabilities)} in the container's user namespace"
            if self.capabilities
            else ""
        )
        return "the token allows " + ", ".join(parts) + caps

    def to_json(self) -> dict[str, Any]:
        return {
            "kernel": self.kernel,
            "commands": list(self.commands),
            "ignored_commands": list(self.ignored_commands),
            "maps": list(self.maps),
            "programs": list(self.programs),
            "attach_types": list(self.attach_types),
            "reads_kernel": list(self.reads_kernel),
            "capabilities": list(self.capabilities),
            "can_create_maps": self.can_create_maps,
            "can_load_programs": self.can_load_programs,
            "any_everywhere": self.any_everywhere,
        }


def _list(names: tuple[str, ...]) -> str:
    if names == ("any",):
        return "any"
    if len(names) > 6:
        return ":".join(names[:5]) + f" and {len(names) - 5} more"
    return ":".join(names) or "none"


def _names(mask: Mask) -> tuple[str, ...]:
    if mask.is_any:
        return ("any",)
    return tuple(name.name for name in mask.shown) + (
        (f"{mask.leftover:#x}",) if mask.leftover else ()
    )


def _bit(mask: Mask, cmd: str) -> bool:
    return bool(mask.effective >> CMD_BITS[cmd] & 1)


def summarize(options: Options) -> Summary:
    """What a token from a mount with ``options`` grants.

    >>> from delegopts import parse
    >>> catalog = tiny_catalog
    >>> summary = summarize(parse("delegate_cmds=map_create,delegate_maps=hash", catalog))
    >>> summary.commands, summary.maps, summary.capabilities, summary.can_load_programs
    (('map_create',), ('hash',), ('CAP_BPF',), False)
    """
    cmds, maps, progs, attachs = options.cmds, options.maps, options.progs, options.attachs
    # Gated commands by their UAPI bit, so a kernel without BTF names them too.
    gated_bits = sum(1 << CMD_BITS[c] for c in GATED_CMDS)
    gated = ("any",) if cmds.is_any else tuple(c for c in CMD_BITS if c in GATED_CMDS
                                                and _bit(cmds, c))  # fmt: skip
    others = Mask(cmds.kind, cmds.effective & ~gated_bits, cmds.enum)
    ignored = () if cmds.is_any or not others else _names(others)
    can_maps = _bit(cmds, "map_create") and bool(maps)
    can_progs = _bit(cmds, "prog_load") and bool(progs) and bool(attachs)
    programs = [name.name for name in progs.granted()] if can_progs else []
    if can_progs and not progs.enum.names:  # no BTF: the risky types by their UAPI value
        programs = [n for n, value in READS_KERNEL_VALUES.items() if progs.effective >> value & 1]
    reads = tuple(name for name in programs if name in READS_KERNEL)
    caps: list[str] = []
    if can_maps or can_progs or _bit(cmds, "btf_load"):
        caps.append("CAP_BPF")
    if reads:
        caps.append("CAP_PERFMON")
    if any(name in NET_ADMIN_PROGS for name in programs):
        caps.append("CAP_NET_ADMIN")
    return Summary(
        options.catalog.label,
        gated,
        ignored,
        _names(maps),
        _names(progs),
        _names(attachs),
        reads,
        tuple(caps),
        can_maps,
        can_progs,
        all(mask.is_any for mask in options),
    )


def risk(options: Options, where: Where) -> Iterator[Diagnostic]:
    summary = summarize(options)
    if not summary.delegates:
        return
    whole = Span(0, len(options.source))
    yield Diagnostic(Code.TOKEN_SUMMARY, summary.headline(), whole)
    if summary.any_everywhere:
        yield Diagnostic(
            Code.ANY_EVERYWHERE,
            f"'any' on all four options: every command, map, program and attach type of "
            f"kernel {summary.kernel}, with the program types that read kernel memory",
            where.key_span(_CMDS),
            "delegate only what the workload needs",
        )
    yield from _reads_kernel(options, where, summary)
    yield from _commands(options, where)


def _reads_kernel(options: Options, where: Where, summary: Summary) -> Iterator[Diagnostic]:
    by_step: dict[Step | None, list[str]] = {}
    for name in summary.reads_kernel:
        step = where.setter(_PROGS, READS_KERNEL_VALUES[name])
        by_step.setdefault(step, []).append(name)
    for step, names in by_step.items():
        text = step.text if step is not None else "delegate_progs"
        span = step.span if step is not None else where.key_span(_PROGS)
        if len(names) == 1 and step is not None and step.action == "name":
            message = f"{text!r} lets the container load {names[0]} programs: "
            message += READS_KERNEL[names[0]]
            fix = f"remove {text!r} unless the container may see all of the host"
        else:
            message = (
                f"{text!r} delegates program types that read kernel memory or act on the "
                f"whole host: {', '.join(names)}"
            )
            fix = "delegate only the program types the workload needs"
        yield Diagnostic(Code.READS_KERNEL, message, span, fix)


def _commands(options: Options, where: Where) -> Iterator[Diagnostic]:
    cmds = options.cmds
    if cmds.is_any:
        return
    step = where.setter(_CMDS, CMD_BITS["token_create"])
    if _bit(cmds, "token_create"):
        text = step.text if step is not None else "token_create"
        yield Diagnostic(
            Code.TOKEN_CREATE,
            f"{text!r} has no effect: bpf_token_create() never reads delegate_cmds "
            "(a token is made from the bpffs mount, not from another token)",
            step.span if step is not None else where.key_span(_CMDS),
            f"remove {text!r}",
        )
    ignored: dict[Step | None, list[str]] = {}
    for name in cmds.shown:
        if name.name not in GATED_CMDS and name.name != "token_create":
            ignored.setdefault(where.setter(_CMDS, name.bit), []).append(name.name)
    for found, names in ignored.items():
        text = found.text if found is not None else ":".join(names)
        yield Diagnostic(
            Code.CMD_NOT_GATED,
            f"{text!r} changes nothing: no kernel checks a token for "
            f"{', '.join(names)} (only map_create, prog_load, btf_load, btf_get_fd_by_id)",
            found.span if found is not None else where.key_span(_CMDS),
            f"remove {text!r}",
        )
