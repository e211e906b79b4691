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
    json_text,
    open_input,
    policy_of,
)
from delegopts.display import printable

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
    """Each mount is checked and written as it is read: memory does not grow with the host."""
    from delegopts.diagnostics import Diagnostic
    from delegopts.formats._found import numbered_lines
    from delegopts.formats.findings import check_found
    from delegopts.formats.mountinfo import mount_batches

    stream = open_input(args.mountinfo, io)
    try:
        catalog = catalog_for(args, io)
        policy = policy_of(args)
        out: _Output
        if args.json:
            out = _JsonOutput(io, catalog, args.mountinfo)
        elif io.out.isatty():
            out = _TableOutput(io, catalog)
        else:
            out = _PlainOutput(io, catalog)
        broken = False
        for batch in mount_batches(numbered_lines(stream), args.mountinfo):
            for event in batch:
                if isinstance(event, Diagnostic):
                    io.err.write(event.render() + "\n")
                    broken = True
                else:
                    result = check_found(event.found, catalog, policy.ignore, lint=not args.no_lint)
                    out.add(_record(event, result))
        out.close()
    finally:
        if stream is not io.inp:
            stream.close()
    return ExitStatus.INVALID if broken else ExitStatus.OK


class _Output:
    def add(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _JsonOutput(_Output):
    """One document; ``mounts`` (between the sorted keys before and after it) written as
    the mounts are read."""

    def __init__(self, io: IO, catalog: Catalog, source: str) -> None:
        self.io, self.source, self.first = io, source, True
        head = {"delegation_supported": catalog.supports_delegation, "kernel": catalog.label}
        io.out.write(json_text(head)[:-1] + ', "mounts": [')

    def add(self, record: dict[str, Any]) -> None:
        self.io.out.write(("" if self.first else ", ") + json_text(record))
        self.first = False

    def close(self) -> None:
        tail = {"schema": JSON_SCHEMA, "source": self.source}
        self.io.out.write("], " + json_text(tail)[1:] + "\n")


class _PlainOutput(_Output):
    def __init__(self, io: IO, catalog: Catalog) -> None:
        self.io, self.any = io, False
        io.out.write(printable(_support(catalog)) + "\n")

    def add(self, record: dict[str, Any]) -> None:
        self.any = True
        _plain(record, self.io)

    def close(self) -> None:
        if not self.any:
            self.io.out.write("no bpffs mounts\n")


class _TableOutput(_Output):
    """A table on a terminal: its rows are kept until the end, as a table needs them."""

    def __init__(self, io: IO, catalog: Catalog) -> None:
        self.io, self.catalog = io, catalog
        self.records: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def close(self) -> None:
        _table(self.catalog, self.records, self.io)


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


def _plain(record: dict[str, Any], io: IO) -> None:
    io.out.write(f"\n{printable(record['mount_point'])}\n")
    if record["delegate"] is None:
        io.out.write(f"  {'options':<12}{printable(record['options'])} (refused by this kernel)\n")
    else:
        owner = record["owner"]
        io.out.write(f"  {'owner':<12}uid {owner['uid']}, gid {owner['gid']}\n")
        io.out.write(f"  {'mode':<12}{record['mode']}\n")
        for key, granted in record["delegate"].items():
            io.out.write(f"  {_NOUNS[key]:<12}{granted['value']}\n")
    for line in _warnings(record):
        io.out.write(f"  {printable(line)}\n")


def _table(catalog: Catalog, records: list[dict[str, Any]], io: IO) -> None:
    """A rich table. Every cell is a Text made printable: nothing from the data is read as
    markup, a style or an emoji code."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(value: str, *more: str) -> Text:
        return Text("\n".join(map(printable, (value, *more))))

    console = Console(file=io.out, markup=False, emoji=False, highlight=False)
    table = Table(title=cell(_support(catalog)))
    for heading in ("mount point", "owner", "mode", *(_NOUNS.values()), "warnings"):
        table.add_column(heading, overflow="fold")
    for record in records:
        if record["delegate"] is None:
            table.add_row(
                cell(record["mount_point"]),
                "",
                "",
                cell(record["options"]),
                "",
                "",
                "",
                "refused by this kernel",
            )
            continue
        owner = record["owner"]
        granted = [cell(*g["value"].split(" ")) for g in record["delegate"].values()]
        table.add_row(
            cell(record["mount_point"]),
            f"{owner['uid']}:{owner['gid']}",
            record["mode"],
            *granted,
            cell(*_warnings(record)) if _warnings(record) else "",
        )
    console.print(table)
