"""``delegopts explain``: bit by bit, which piece set it and what the kernel does with it."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from delegopts.cli._common import (
    IO,
    ExitStatus,
    add_lint_options,
    add_target,
    catalog_for,
    dump_json,
    policy_of,
)
from delegopts.display import printable

if TYPE_CHECKING:
    from delegopts.options import Mask, Options, Step

_EXAMPLES = """\
examples:
  $ delegopts explain 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  $ delegopts explain 'delegate_cmds=prog_load:0x1'       # why prog_load is lost
  $ delegopts explain --btf 6.1-vmlinux.btf --json 'delegate_maps=any'
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "explain",
        help="explain, bit by bit, what an option string delegates",
        description="One row per bit of each delegate option: its number, its name, the "
        "piece of the input that set it, and whether the kernel keeps it, shows it or drops "
        "it and why; then what /proc/mounts will show.",
        epilog=_EXAMPLES,
    )
    parser.add_argument("options", metavar="OPTIONS", help="a bpffs option string")
    parser.add_argument("--json", action="store_true", help="JSON with a schema version")
    add_lint_options(parser)
    add_target(parser)
    parser.set_defaults(run=run)


@dataclass(frozen=True, slots=True)
class Row:
    """One bit (or a run of bits that share everything but their number)."""

    first: int
    last: int
    names: tuple[str, ...]
    set_by: str
    kernel: str

    @property
    def bits(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def label(self) -> str:
        if len(self.names) > 1:
            return f"{self.names[0]} .. {self.names[-1]} ({len(self.names)} names)"
        return self.names[0] if self.names else "-"

    def to_json(self) -> dict[str, Any]:
        return {
            "bits": [self.first, self.last],
            "names": list(self.names),
            "set_by": self.set_by,
            "kernel": self.kernel,
        }


def _describe(step: Step) -> str:
    how = {"any": "'any'", "name": "name", "number": "number"}[step.action]
    return (
        f"{how} {step.text!r} (column {step.span.column})"
        if how != "'any'"
        else (f"'any' (column {step.span.column})")
    )


def rows_for(mask: Mask, steps: list[Step]) -> list[Row]:
    """The rows of one delegate option, from the parser's steps.

    >>> from delegopts import parse
    >>> catalog = tiny_catalog
    >>> options = parse("delegate_cmds=prog_load:0x1", catalog)
    >>> for row in rows_for(options.cmds, list(options.steps)):
    ...     print(row.bits, row.label, "|", row.set_by, "|", row.kernel[:30])
    0 map_create | number '0x1' (column 25) | kept; shown as map_create
    5 prog_load | name 'prog_load' (column 15) | lost: the number '0x1' (column
    """
    setter: dict[int, Step] = {}  # the piece that set each bit still set
    first: dict[int, Step] = {}  # the first piece that ever set it (an earlier option)
    lost: dict[int, tuple[Step, Step]] = {}
    for step in steps:
        gained = step.after & ~step.before
        cleared = step.before & ~step.after
        for bit in range(64):
            if cleared >> bit & 1 and bit in setter:
                lost[bit] = (setter.pop(bit), step)
            if gained >> bit & 1 and bit not in setter:
                setter[bit] = step
                first.setdefault(bit, step)
    names: dict[int, str] = {}
    for name in reversed(mask.enum.names):  # the first declared name of a bit is shown
        names[name.bit] = name.name
    any_mask = mask.any_mask
    kind_noun = mask.kind.noun
    rows: list[Row] = []
    for bit in range(64):
        if mask.bits >> bit & 1:
            setting = setter.get(bit) or first.get(bit)
            source = _describe(setting) if setting else "(no piece recorded)"
            if not any_mask >> bit & 1:
                status = (
                    f"dropped: beyond the kernel's {kind_noun}s (any = {any_mask:#x}); "
                    "never shown, never used"
                )
            elif mask.is_any:
                status = "kept; shown as part of 'any'"
            elif bit in names:
                status = f"kept; shown as {names[bit]}"
            else:
                status = f"kept; no name on this kernel: shown in hex ({1 << bit:#x})"
            rows.append(Row(bit, bit, _named(names, bit), source, status))
        elif bit in lost:
            gone, by = lost[bit]
            rows.append(
                Row(
                    bit,
                    bit,
                    _named(names, bit),
                    _describe(gone),
                    f"lost: the number {by.text!r} (column {by.span.column}) replaces the mask",
                )
            )
    return _merge(rows)


def _named(names: dict[int, str], bit: int) -> tuple[str, ...]:
    return (names[bit],) if bit in names else ()


def _merge(rows: list[Row]) -> list[Row]:
    """Runs of bits set by 'any' (or without names) that share their fate become one row."""
    merged: list[Row] = []
    for row in rows:
        last = merged[-1] if merged else None
        collapsible = row.set_by.startswith("'any'") or not row.names
        if (
            last is not None
            and collapsible
            and last.last + 1 == row.first
            and (last.set_by, last.kernel) == (row.set_by, row.kernel)
            and (bool(row.names) == bool(last.names) or row.set_by.startswith("'any'"))
        ):
            merged[-1] = Row(last.first, row.last, last.names + row.names, row.set_by, row.kernel)
        else:
            merged.append(row)
    return merged


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.formats import Found
    from delegopts.formats.findings import check_found

    catalog = catalog_for(args, io)

    policy = policy_of(args)
    found = Found.plain(args.options, path="", line=1)
    result = check_found(found, catalog, policy.ignore, lint=not args.no_lint)
    options = result.options
    if options is None:
        refusal = result.findings[0]
        if args.json:
            dump_json(
                {
                    "input": args.options,
                    "kernel": catalog.label,
                    "ok": False,
                    "error": refusal.to_json(),
                },
                io,
                "explain",
            )
        else:
            io.err.write(refusal.render() + "\n")
        return ExitStatus.INVALID
    table = {
        mask.kind.key: rows_for(mask, [s for s in options.steps if s.kind is mask.kind])
        for mask in options
    }
    if args.json:
        dump_json(
            {
                "input": args.options,
                "kernel": catalog.label,
                "ok": True,
                "shown": str(options),
                "bits": {key: [r.to_json() for r in rows] for key, rows in table.items()},
                "diagnostics": [f.to_json() for f in result.findings],
            },
            io,
            "explain",
        )
        return ExitStatus.OK
    _text(options, table, io)
    for finding in result.findings:
        io.out.write(
            f"{finding.severity.value}: {finding.code.value} {finding.message} "
            f"(column {finding.column}){'; ' + finding.fix if finding.fix else ''}\n"
        )
    return ExitStatus.OK


def _text(options: Options, table: dict[str, list[Row]], io: IO) -> None:
    io.out.write(f"kernel {printable(options.catalog.label)}\n")
    for key, rows in table.items():
        if not rows:
            continue
        io.out.write(f"\n{key}\n")
        width = max(4, *(len(r.label) for r in rows))
        setw = max(6, *(len(r.set_by) for r in rows))
        io.out.write(f"  {'bit':>5}  {'name':<{width}}  {'set by':<{setw}}  kernel\n")
        for row in rows:
            io.out.write(
                f"  {row.bits:>5}  {row.label:<{width}}  {row.set_by:<{setw}}  {row.kernel}\n"
            )
    for key, value, default in (("uid", options.uid, 0), ("gid", options.gid, 0)):
        if value != default:
            io.out.write(f"\n{key} {value}: kept; shown as {key}={value}\n")
    from delegopts.render import mode_shown

    if options.mode != 0o777:
        shown = mode_shown(options.mode)
        io.out.write(
            f"\nmode {options.mode:o}: kept; "
            + (
                f"shown as mode={shown:o}\n"
                if shown != 0o777
                else "not shown (0777 once the sticky bit is masked off)\n"
            )
        )
    io.out.write(f"\n/proc/mounts will show: {str(options) or '(nothing after rw,relatime)'}\n")
