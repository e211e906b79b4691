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
    systemd_release,
)

if TYPE_CHECKING:
    from delegopts.catalog import Catalog, EnumCatalog
    from delegopts.systemd.tables import Release

__all__ = ["register", "run"]

_KINDS = {"cmds": "CMDS", "maps": "MAPS", "progs": "PROGS", "attachs": "ATTACHS"}
_EXAMPLES = """\
examples:
  $ delegopts names --kind progs                      # the running kernel's program types
  $ delegopts names --kernel 7.2.13 --json            # a shipped snapshot
  $ delegopts names --btf /boot/vmlinuz-6.12.107+deb13-cloud-amd64 --kind maps
  $ delegopts names --kind progs --systemd 262.1      # + the word systemd writes for each bit

Names are matched ignoring ASCII case. An alias sets the same bit as the name before it
and /proc/mounts shows the first one declared. systemd's BPFDelegate*= words come from
the kernel header it was built with, not from this kernel: a bit may have no word, a word
may set a bit this kernel names otherwise (BPFProgTypeNetfilter sets syscall's bit), and
words may name bits this kernel lacks.
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
    parser.add_argument(
        "--systemd",
        metavar="VERSION",
        help="also the BPFDelegate*= word this systemd release writes for each bit (258 to "
        "261.2, 262.1)",
    )
    add_target(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.catalog import OptionKind

    chosen = systemd_release(args) if args.systemd is not None else None
    catalog = catalog_for(args, io)
    kinds = [OptionKind[_KINDS[args.kind]]] if args.kind else list(OptionKind)
    release = None if chosen is None else chosen[0]
    record: dict[str, Any] = {
        "kernel": catalog.label,
        "delegation_supported": catalog.supports_delegation,
        "options": {kind.key: _option(catalog, kind.key, release) for kind in kinds},
    }
    if chosen is not None:
        record["systemd"] = chosen[1]
    if args.json:
        dump_json(record, io, "names")
    else:
        _print(record, io, catalog, None if chosen is None else str(chosen[0]))
    return ExitStatus.OK


def _option(catalog: Catalog, key: str, release: Release | None) -> dict[str, Any]:
    from delegopts.catalog import OptionKind

    kind = OptionKind(key)
    names: EnumCatalog = catalog[kind]
    rows = []
    for name in names:
        shown = names.shown_as(name)
        row: dict[str, Any] = {
            "name": name.name,
            "declared": name.declared,
            "value": name.value,
            "bit": name.bit,
            "fits": name.fits,
            "alias_of": None if shown is name else shown.name,
        }
        if release is not None:
            # an alias has its canonical name's bit, and so its word
            word = release.name(kind, name.bit) if name.fits and shown is name else None
            row["systemd"] = word
        rows.append(row)
    option: dict[str, Any] = {
        "enum": kind.enum_name,
        "prefix": kind.prefix,
        "any_mask": hex(names.any_mask),
        "aliases": {canon: list(others) for canon, others in names.aliases().items()},
        "names": rows,
    }
    if release is not None:
        kernel_bits = {name.bit for name in names if name.fits}
        option["systemd_only"] = [
            {"systemd": word, "bit": bit}
            for bit, word in enumerate(release.names(kind))
            if bit not in kernel_bits
        ]
    return option


def _systemd_note(row: dict[str, Any], names: EnumCatalog, release: str) -> str | None:
    """What a user writing a unit must know about systemd's word for this row's bit."""
    from delegopts.systemd.model import other_kernel_name

    if row["alias_of"] or not row["fits"]:
        return None
    word = row["systemd"]
    if word is None:
        return f"no {release} word sets this bit: only 'any' does"
    if other_kernel_name(names, row["bit"], word) is not None:
        return f"{release} writes this bit as {word}, which is another type's name"
    return None


def _print(record: dict[str, Any], io: IO, catalog: Catalog, release: str | None) -> None:
    """Plain aligned columns: greps well, and no rich import (a listing starts faster).

    ``release``: the systemd release whose words the record holds (``systemd 262.1``).
    """
    from delegopts.catalog import OptionKind
    from delegopts.display import printable

    kernel = printable(record["kernel"])  # a file name, or a banner's release
    lines: list[str] = []
    if not record["delegation_supported"]:
        lines.append(
            f"kernel {kernel}: its bpffs has no delegate_* options "
            "(it ignores them); the names below are its enums' all the same\n"
        )
    if release is not None:
        lines.append(f"BPFDelegate*= words as {record['systemd']} writes them\n")
    for key, option in record["options"].items():
        head = ["name", "bit", "declared"] + ([] if release is None else [release])
        rows = [[*head, "note"]]
        for row in option["names"]:
            notes = []
            if row["alias_of"]:
                notes.append(f"alias of {row['alias_of']}")
            if not row["fits"]:
                notes.append(f"value {row['value']} is no bit: the kernel sets bit {row['bit']}")
            cells = [row["name"], str(row["bit"]), row["declared"]]
            if release is not None:
                cells.append(row["systemd"] or "")
                note = _systemd_note(row, catalog[OptionKind(key)], release)
                notes += [] if note is None else [note]
            rows.append([*cells, "; ".join(notes)])
        width = [max(len(row[column]) for row in rows) for column in range(len(head))]
        lines.append(
            f"{key} (enum {option['enum']}, any = {option['any_mask']}) on kernel {kernel}"
        )
        for row in rows:
            cells = [f"{cell:>{width[at]}}" if at == 1 else f"{cell:<{width[at]}}"
                     for at, cell in enumerate(row[:-1])]  # fmt: skip
            lines.append(("  " + "  ".join([*cells, row[-1]])).rstrip())
        extra = option.get("systemd_only") or []
        if extra:
            words = ", ".join(f"{item['systemd']} (bit {item['bit']})" for item in extra)
            lines.append(f"  {release} also has words for bits this kernel lacks: {words}")
        lines.append("")
    io.out.write("\n".join(lines))
