"""``delegopts btf``: what a BTF source holds (``info``) and slim snapshots of it (``slim``).

>>> import io, os, tempfile
>>> from delegopts.cli import main
>>> from delegopts.btf.writer import write_btf, EnumSpec
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = os.path.join(tmp, "vmlinux.btf")
...     _ = open(path, "wb").write(write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])]))
...     out = io.StringIO()
...     main(["btf", "info", path, "--json"], stdout=out, stderr=io.StringIO())
0
>>> '"kind": "raw BTF"' in out.getvalue()
True
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from delegopts.cli._common import IO, ExitStatus, UsageError, dump_json
from delegopts.display import printable

if TYPE_CHECKING:
    from delegopts.btf.load import SourceInfo
    from delegopts.btf.reader import BTF

_EXAMPLES = """\
examples:
  $ delegopts btf info /boot/vmlinuz-$(uname -r)          # bzImage: payload, ELF, .BTF
  $ delegopts btf info --kernel 6.12.107 --json            # a shipped snapshot
  $ delegopts btf slim /sys/kernel/btf/vmlinux -o my.btf   # the four enums, a few KB

SOURCE is raw BTF, a vmlinux ELF, a bzImage, an arm64 Image or Image.gz, or a gzip/xz/
lzma/bzip2/zstd/LZ4 compressed file; the kind is detected. Without SOURCE: the running
kernel's /sys/kernel/btf/vmlinux.
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "btf",
        help="show what a BTF source holds, or write a slim snapshot of it",
        description="Read a kernel's BTF from any source and show what was read (info), "
        "or write a minimal valid BTF with only what delegopts needs (slim).",
        epilog=_EXAMPLES,
    )
    actions = parser.add_subparsers(dest="btf_action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="kind of source, sizes, kernel version, the enums")
    info.add_argument("--json", action="store_true", help="one JSON object with a schema key")
    slim = actions.add_parser("slim", help="write the four enums + struct bpf_mount_opts")
    slim.add_argument("-o", "--output", metavar="FILE", required=True, help="where to write")
    for sub in (info, slim):
        sub.add_argument("source", nargs="?", metavar="SOURCE", help="where the BTF is")
        which = sub.add_mutually_exclusive_group()
        which.add_argument("--kernel", metavar="VERSION", help="a shipped snapshot instead")
        which.add_argument(
            "--kernel-release", metavar="RELEASE", help="an installed kernel's image instead"
        )
    parser.set_defaults(run=run)


def _load(args: argparse.Namespace, io: IO) -> tuple[BTF, SourceInfo]:
    from delegopts.btf import installed, load
    from delegopts.cli._common import take_stdin
    from delegopts.cli._spool import stdin_file

    chosen = [x for x in (args.source, args.kernel, args.kernel_release) if x]
    if len(chosen) > 1:
        raise UsageError("delegopts btf: give SOURCE, --kernel or --kernel-release, not several")
    if args.kernel:
        return load.load_snapshot(args.kernel)
    if args.kernel_release:
        return load.load_btf(installed.release_source(args.kernel_release))
    if args.source == "-":
        with stdin_file(take_stdin(io, "a BTF source (-)")) as spooled:
            btf, info = load.load_btf(spooled)
        return btf, info._replace(path="<stdin>")
    return load.load_btf(args.source or load.RUNNING_KERNEL_BTF)


def run(args: argparse.Namespace, io: IO) -> int:
    btf, info = _load(args, io)
    if args.btf_action == "slim":
        return _slim(btf, info, args.output, io)
    record = describe(btf, info)
    if args.json:
        dump_json(record, io, "btf info")
    elif io.out.isatty():
        _table(record, io)
    else:
        _plain(record, io)
    return ExitStatus.OK


def _slim(btf: BTF, info: SourceInfo, output: str, io: IO) -> int:
    from delegopts.btf.snapshots import slim

    data = slim(btf)
    try:
        with open(output, "wb") as file:
            file.write(data)
    except OSError as error:
        io.err.write(printable(f"delegopts: {output}: cannot write: {error.strerror}") + "\n")
        return ExitStatus.UNREADABLE
    io.err.write(
        printable(f"{output}: {len(data)} bytes of BTF from {info.btf_size} ({info.path})") + "\n"
    )
    return ExitStatus.OK


def describe(btf: BTF, info: SourceInfo) -> dict[str, Any]:
    """The facts ``btf info`` shows, as a JSON-ready dict."""
    from delegopts.catalog import Catalog, OptionKind

    catalog = Catalog.from_btf(btf, label=info.label)
    enums: dict[str, Any] = {}
    for kind in OptionKind:
        found = btf.find_enum(kind.enum_name)
        names = catalog[kind]
        enums[kind.enum_name] = None if found is None else {
            "kind": found.kind_name,
            "size": found.size,
            "enumerators": len(found.enumerators),
            "names": len(names),
            "guard": names.guard,
            "any_mask": hex(names.any_mask),
        }  # fmt: skip
    members = btf.struct_members("bpf_mount_opts")
    return {
        "source": info.path,
        "kind": info.kind,
        "layers": list(info.layers),
        "file_size": info.file_size,
        "btf_offset": info.btf_offset,
        "btf_size": info.btf_size,
        "byte_order": "big" if info.big_endian else "little",
        "type_section_size": btf.type_section_size,
        "types": sum(btf.count_types().values()),  # walks every record: validates them all
        "string_section_size": btf.string_section_size,
        "banner": info.banner,
        "release": info.release,
        "enums": enums,
        "mount_opts_members": None if members is None else list(members),
        "delegation_supported": catalog.supports_delegation,
        "token_create": catalog.has_token_create,
    }


def _facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("source", record["source"]),
        ("kind", " > ".join(record["layers"])),
        ("file size", f"{record['file_size']} bytes"),
        ("BTF", f"{record['btf_size']} bytes at byte {record['btf_offset']}, "
                f"{record['byte_order']}-endian, {record['types']} types (all checked)"),
        ("release", record["release"] or "(unknown: no version string in this source)"),
        ("banner", record["banner"] or "-"),
        ("delegation", "supported (struct bpf_mount_opts has the delegate_* members)"
         if record["delegation_supported"] else "not supported by this kernel's bpffs"),
        ("bpf_mount_opts", ", ".join(record["mount_opts_members"] or ["(absent)"])),
    ]  # fmt: skip


_ENUM_COLUMNS = ("enum", "kind", "size", "enumerators", "names", "guard", "any mask")


def _enum_rows(record: dict[str, Any]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name, item in record["enums"].items():
        if item is None:
            rows.append((name, "(absent)", "", "", "", "", ""))
        else:
            rows.append((
                name, item["kind"], str(item["size"]), str(item["enumerators"]),
                str(item["names"]), str(item["guard"]), item["any_mask"],
            ))  # fmt: skip
    return rows


def _plain(record: dict[str, Any], io: IO) -> None:
    """Aligned text, whole values (a mask is never cut): what a pipe or a file gets."""
    for key, value in _facts(record):
        io.out.write(f"{key:<16}{printable(value)}\n")
    rows = [_ENUM_COLUMNS, *_enum_rows(record)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_ENUM_COLUMNS))]
    io.out.write("\nthe four enums bpffs reads names from\n")
    for row in rows:
        io.out.write(
            "  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip()
        )
        io.out.write("\n")


def _table(record: dict[str, Any], io: IO) -> None:
    """Rich tables on a terminal; every value is a Text made printable, never markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=io.out, markup=False, emoji=False, highlight=False)
    facts = Table(show_header=False, box=None)
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    for key, value in _facts(record):
        facts.add_row(key, Text(printable(str(value))))
    console.print(facts)
    enums = Table(title="the four enums bpffs reads names from")
    for column in _ENUM_COLUMNS:
        enums.add_column(column, overflow="fold")
    for row in _enum_rows(record):
        enums.add_row(*row)
    console.print(enums)


__all__ = ["describe", "register", "run"]
