"""``delegopts names``: every name a kernel accepts in each delegate option, with its bit.

>>> import io, json
>>> from delegopts.cli import main
>>> out = io.StringIO()
>>> main(["names", "--kernel", "6.18.44", "--kind", "cmds", "--json"], stdout=out)
0
>>> record = json.loads(out.getvalue())
>>> [n["name"] for n in record["options"]["delegate_cmds"]["names"]][:2]
['map_create', 'map_lookup_elem']
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from delegopts.cli._common import (
    IO,
    ExitStatus,
    add_target,
    catalog_for,
    dump_json,
)

if TYPE_CHECKING:
    from delegopts.catalog import Catalog, EnumCatalog

__all__ = ["register", "run"]

_KINDS = {"cmds": "CMDS", "maps": "MAPS", "progs": "PROGS", "attachs": "ATTACHS"}
_EXAMPLES = """\
examples:
  $ delegopts names --kind progs                      # the running kernel's program types
  $ delegopts names --kernel 7.2.13 --json            # a shipped snapshot
  $ delegopts names --btf /boot/vmlinuz-6.12.107+deb13-cloud-amd64 --kind maps

Names are matched ignoring ASCII case. An alias sets the same bit as the name before it
and /proc/mounts shows the first one declared.
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "names",
        help="list every name each delegate option accepts, with its bit and aliases",
        description="List the names a kernel accepts in delegate_cmds, delegate_maps, "
        "delegate_progs and delegate_attachs, with the bit each sets and the aliases.",
        epilog=_EXAMPLES,
    )
    parser.add_argument("--kind", choices=sorted(_KINDS), help="only this option's names")
    parser.add_argument("--json", action="store_true", help="one JSON object with a schema key")
    add_target(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.catalog import OptionKind

    catalog = catalog_for(args, io)
    kinds = [OptionKind[_KINDS[args.kind]]] if args.kind else list(OptionKind)
    record = {
        "kernel": catalog.label,
        "delegation_supported": catalog.supports_delegation,
        "options": {kind.key: _option(catalog, kind.key) for kind in kinds},
    }
    if args.json:
        dump_json(record, io, "names")
    else:
        _print(record, io)
    return ExitStatus.OK


def _option(catalog: Catalog, key: str) -> dict[str, Any]:
    from delegopts.catalog import OptionKind

    kind = OptionKind(key)
    names: EnumCatalog = catalog[kind]
    rows = []
    for name in names:
        shown = names.shown_as(name)
        rows.append({
            "name": name.name,
            "declared": name.declared,
            "value": name.value,
            "bit": name.bit,
            "fits": name.fits,
            "alias_of": None if shown is name else shown.name,
        })  # fmt: skip
    return {
        "enum": kind.enum_name,
        "prefix": kind.prefix,
        "any_mask": hex(names.any_mask),
        "aliases": {canon: list(others) for canon, others in names.aliases().items()},
        "names": rows,
    }


def _print(record: dict[str, Any], io: IO) -> None:
    """Plain aligned columns: greps well, and no rich import (a listing starts faster)."""
    lines: list[str] = []
    if not record["delegation_supported"]:
        lines.append(
            f"kernel {record['kernel']}: its bpffs has no delegate_* options "
            "(it ignores them); the names below are its enums' all the same\n"
        )
    for key, option in record["options"].items():
        rows = [("name", "bit", "declared", "note")]
        for row in option["names"]:
            notes = []
            if row["alias_of"]:
                notes.append(f"alias of {row['alias_of']}")
            if not row["fits"]:
                notes.append(f"value {row['value']} is no bit: the kernel sets bit {row['bit']}")
            rows.append((row["name"], str(row["bit"]), row["declared"], "; ".join(notes)))
        width = [max(len(row[column]) for row in rows) for column in range(3)]
        lines.append(
            f"{key} (enum {option['enum']}, any = {option['any_mask']}) "
            f"on kernel {record['kernel']}"
        )
        for name, bit, declared, note in rows:
            text = f"  {name:<{width[0]}}  {bit:>{width[1]}}  {declared:<{width[2]}}  {note}"
            lines.append(text.rstrip())
        lines.append("")
    io.out.write("\n".join(lines))
