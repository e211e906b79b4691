"""``delegopts show``: every bpffs mount of this host, and what each one delegates."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from delegopts.cli._common import (
    IO,
    JSON_SCHEMA,
    ExitStatus,
    add_lint_options,
    add_target,
    catalog_for,
    dump_json,
    policy_of,
    read_text,
)

if TYPE_CHECKING:
    from delegopts.catalog import Catalog
    from delegopts.formats.findings import Checked
    from delegopts.formats.mountinfo import Mount
    from delegopts.options import Mask

MOUNTINFO = "/proc/self/mountinfo"
_NOUNS = {
    "delegate_cmds": "commands",
    "delegate_maps": "maps",
    "delegate_progs": "programs",
    "delegate_attachs": "attachments",
}

_EXAMPLES = """\
examples:
  $ delegopts show                      # the mounts of this host, a table on a terminal
  $ delegopts show --json | jq '.mounts[] | {mount_point, delegate}'
  $ delegopts show --mountinfo other-host-mountinfo.txt --btf other-host-vmlinux.btf

For each bpffs mount: mount point, owner and mode, and per delegate option the names it
grants, 'any', or nothing (the same as 'bpftool token list', and more); whether the
kernel supports delegation; and the warnings that apply.
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "show",
        help="show every bpffs mount and what it delegates",
        description="Show every bpffs mount of this host (or of a copied mountinfo file) "
        "and what a BPF token made from it may do.",
        epilog=_EXAMPLES,
    )
    parser.add_argument(
        "--mountinfo",
        metavar="FILE",
        default=MOUNTINFO,
        help=f"a copy of /proc/self/mountinfo or /proc/mounts (default {MOUNTINFO})",
    )
    parser.add_argument("--json", action="store_true", help="JSON with a schema version")
    add_lint_options(parser)
    add_target(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.formats.findings import check_found
    from delegopts.formats.mountinfo import scan_mounts

    text = read_text(args.mountinfo, io)
    catalog = catalog_for(args, io)
    scan, mounts = scan_mounts(text, args.mountinfo)

    policy = policy_of(args)
    checked = [check_found(m.found, catalog, policy.ignore, lint=not args.no_lint) for m in mounts]
    for finding in scan.findings:
        io.err.write(finding.render() + "\n")
    records = [_record(mount, result) for mount, result in zip(mounts, checked, strict=True)]
    if args.json:
        dump_json(
            {
                "schema": JSON_SCHEMA,
                "source": args.mountinfo,
                "kernel": catalog.label,
                "delegation_supported": catalog.supports_delegation,
                "mounts": records,
            },
            io,
        )
    elif io.out.isatty():
        _table(catalog, records, io)
    else:
        _plain(catalog, records, io)
    return ExitStatus.INVALID if scan.findings else ExitStatus.OK


def _granted(mask: Mask) -> dict[str, Any]:
    if mask.is_any and mask.effective:
        names: list[str] = []
        value = "any"
    else:
        names = list(mask.names)
        value = " ".join(names + ([f"{mask.leftover:#x}"] if mask.leftover else [])) or "nothing"
    return {"value": value, "any": value == "any", "names": names, "bits": f"{mask.effective:#x}"}


def _record(mount: Mount, result: Checked) -> dict[str, Any]:
    options = result.options
    record: dict[str, Any] = {
        "mount_point": mount.mount_point,
        "mount_id": mount.mount_id,
        "source": mount.source,
        "mount_options": mount.mount_options,
        "options": mount.found.options,
        "line": mount.found.line,
        "ok": options is not None,
        "warnings": [f.to_json() for f in result.findings],
    }
    if options is None:
        record.update(owner=None, mode=None, delegate=None, shown=None)
    else:
        from delegopts.render import mode_shown

        record.update(
            owner={"uid": options.uid, "gid": options.gid},
            mode=f"{mode_shown(options.mode):04o}",
            shown=str(options),
            delegate={mask.kind.key: _granted(mask) for mask in options},
        )
    return record


def _support(catalog: Catalog) -> str:
    if catalog.supports_delegation:
        return f"kernel {catalog.label}: BPF token delegation supported"
    return f"kernel {catalog.label}: no BPF token delegation (Linux 6.9 or later needed)"


def _warnings(record: dict[str, Any]) -> list[str]:
    return [
        f"{w['severity']}: {w['code']} {w['message']}"
        for w in record["warnings"]
        if w["severity"] != "info" or w["code"] == "D501"
    ]


def _plain(catalog: Catalog, records: list[dict[str, Any]], io: IO) -> None:
    io.out.write(_support(catalog) + "\n")
    if not records:
        io.out.write("no bpffs mounts\n")
    for record in records:
        io.out.write(f"\n{record['mount_point']}\n")
        if record["delegate"] is None:
            io.out.write(f"  {'options':<12}{record['options']} (refused by this kernel)\n")
        else:
            owner = record["owner"]
            io.out.write(f"  {'owner':<12}uid {owner['uid']}, gid {owner['gid']}\n")
            io.out.write(f"  {'mode':<12}{record['mode']}\n")
            for key, granted in record["delegate"].items():
                io.out.write(f"  {_NOUNS[key]:<12}{granted['value']}\n")
        for line in _warnings(record):
            io.out.write(f"  {line}\n")


def _table(catalog: Catalog, records: list[dict[str, Any]], io: IO) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.out)
    table = Table(title=_support(catalog))
    for heading in ("mount point", "owner", "mode", *(_NOUNS.values()), "warnings"):
        table.add_column(heading, overflow="fold")
    for record in records:
        if record["delegate"] is None:
            table.add_row(
                record["mount_point"],
                "",
                "",
                record["options"],
                "",
                "",
                "",
                "refused by this kernel",
            )
            continue
        owner = record["owner"]
        granted = [g["value"].replace(" ", "\n") for g in record["delegate"].values()]
        table.add_row(
            record["mount_point"],
            f"{owner['uid']}:{owner['gid']}",
            record["mode"],
            *granted,
            "\n".join(_warnings(record)),
        )
    console.print(table)
