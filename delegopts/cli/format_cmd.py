"""``delegopts format``: what /proc/mounts will show for option strings, or why they fail."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator

from delegopts.cli._common import (
    IO,
    JSON_SCHEMA,
    ExitStatus,
    UsageError,
    add_systemd,
    add_target,
    catalog_for,
    open_input,
    read_text,
    systemd_release,
)
from delegopts.errors import OptionError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from delegopts.catalog import Catalog
    from delegopts.options import Options

_EXAMPLES = """\
examples:
  $ delegopts format 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  delegate_cmds=map_create:prog_load,delegate_progs=kprobe
  $ delegopts format --json -f options.txt     # one option string a line, '-' for stdin
  $ delegopts format --to systemd 'delegate_cmds=map_create:prog_load,delegate_progs=xdp'
  PrivateBPF=yes
  PrivateUsers=yes
  BPFDelegateCommands=BPFMapCreate,BPFProgLoad
  BPFDelegatePrograms=BPFProgTypeXdp
  $ delegopts format --to incus 'delegate_maps=hash:array'
  security.bpffs.delegate_maps=hash,array
  $ delegopts format --to lxd 'delegate_cmds=prog_load:btf_load'
  security.delegate_bpf=true
  security.delegate_bpf.cmd_types=prog_load:btf_load
  $ delegopts format --from incus -f instances.yaml   # incus list/config show/query output
  $ delegopts format --from systemd 'BPFDelegateMaps=BPFMapTypeArray'   # and back
  delegate_maps=array
  $ delegopts format --to hex 'delegate_cmds=prog_load:map_create'
  delegate_cmds=0x21

--to: kernel (what /proc/mounts shows), hex (masks as numbers), json (every mask),
systemd (PrivateBPF=/BPFDelegate*= settings the --systemd VERSION reads back: its own name
tables, e.g. BPFProgTypeNetfilter for the kernel's syscall bit), incus
(security.bpffs.delegate_* keys), lxd (security.delegate_bpf* keys).
--from: kernel (also hex), json (what --to json prints), systemd, incus or lxd (one input is
one setting a line, or a file: for incus and lxd any shape check reads, one option string
for each instance or profile in it).
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "format",
        help="print what the kernel would show in /proc/mounts for option strings",
        description="Print the kernel's rendering of each option string, or why the kernel "
        "would refuse to mount with it (with the errno).",
        epilog=_EXAMPLES,
    )
    parser.add_argument("options", nargs="*", metavar="OPTIONS", help="bpffs option strings")
    parser.add_argument("-f", "--file", metavar="FILE", help="read one option string a line")
    parser.add_argument(
        "--json", action="store_true", help="one JSON document, its results a record an input"
    )
    parser.add_argument("--jsonl", action="store_true", help="JSON Lines: a record an input")
    parser.add_argument("--to", choices=TARGETS, default="kernel", help="the output form")
    parser.add_argument(
        "--from",
        dest="source",
        choices=SOURCES,
        default="kernel",
        help="the input form (systemd/incus/lxd: all inputs are one setting each)",
    )
    add_systemd(parser)
    add_target(parser)
    parser.set_defaults(run=run)


TARGETS = ("kernel", "hex", "json", "systemd", "incus", "lxd")
SOURCES = ("kernel", "hex", "json", "systemd", "incus", "lxd")


def _hex(options: Options) -> str:
    """The options with each delegate mask as the number the kernel keeps and uses."""
    from delegopts.render import scalar_pieces

    pieces = scalar_pieces(options.uid, options.gid, options.mode)
    pieces += [f"{mask.kind.key}={mask.effective:#x}" for mask in options if mask]
    return ",".join(pieces)


def _convert(options: Options, to: str, io: IO, where: str, args: argparse.Namespace) -> str:
    """``options`` in the form ``to``; what that form cannot say goes to stderr."""
    if to == "hex":
        return _hex(options)
    if to == "json":
        import json

        return json.dumps({"schema": JSON_SCHEMA, **options.to_json()}, sort_keys=True)
    if to == "systemd":
        from delegopts.systemd.write import to_settings

        release = systemd_release(args)[0]
        written = to_settings(options, release)
        for item in written.lost:
            io.err.write(f"{where}warning: {release} cannot express {item}\n")
        for item in written.notes:
            io.err.write(f"{where}note: {item}\n")
        return "\n".join(written.lines)
    if to in ("incus", "lxd"):
        from delegopts.formats.incus import to_incus
        from delegopts.formats.lxd import to_lxd

        lines, lost = (to_incus if to == "incus" else to_lxd)(options)
        for item in lost:
            io.err.write(f"{where}warning: {to} cannot express {item}\n")
        return "\n".join(lines)
    return str(options)


class _SettingsError(Exception):
    """systemd or Incus settings that do not convert (rendered problems)."""


def inputs_of(args: argparse.Namespace, io: IO) -> Iterator[tuple[str, int | None, str]]:
    """(file, line, text) of each input: the arguments, or the lines of ``-f FILE``, read
    one at a time (the file is opened, or refused, before the first is given)."""
    if not args.file:
        return iter([("", None, text) for text in args.options])
    stream = open_input(args.file, io)
    return _file_inputs(args.file, stream, io)


def _file_inputs(name: str, stream: TextIO, io: IO) -> Iterator[tuple[str, int | None, str]]:
    from delegopts.formats._found import numbered_lines

    try:
        for number, text in numbered_lines(stream):
            if text:
                yield name, number, text
    finally:
        if stream is not io.inp:
            stream.close()


def _from_json(text: str, name: str) -> str:
    """The option string, with masks as numbers, that ``--to json`` output stands for."""
    import json

    try:
        value = json.loads(text)
        pieces = [f"{key}={value[key]}" for key in ("uid", "gid") if value.get(key)]
        pieces.append(f"mode=0{value.get('mode', '777')}")
        for key, mask in value["delegate"].items():
            if int(mask["effective"], 16):
                pieces.append(f"{key}={mask['effective']}")
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise _SettingsError(
            f"{name or '<argument>'}: not the JSON of 'format --to json': "
            f"{type(error).__name__}: {error}"
        ) from error
    return ",".join(pieces)


def _from_settings(
    args: argparse.Namespace, catalog: Catalog, io: IO
) -> list[tuple[str, int | None, str]]:
    """systemd, Incus or LXD settings (arguments, or a file) as kernel option strings."""
    from delegopts.formats.incus import scan_incus
    from delegopts.formats.lxd import scan_lxd
    from delegopts.formats.systemd import scan_unit_files
    from delegopts.systemd.units import UnitFile

    if args.file:
        name = args.file
        text = read_text(args.file, io)
    else:
        name, text = "<arguments>", "\n".join(args.options)
    if args.source == "systemd":
        release = systemd_release(args)[0]
        files = [UnitFile(name, text + "\n")]
        scan = scan_unit_files(files, catalog, release, name="settings.service", headerless=True)
    else:
        scan = (scan_incus if args.source == "incus" else scan_lxd)(text + "\n", name)
    # PrivateBPF= and PrivateUsers= are implied here: only the settings are converted.
    from delegopts.diagnostics import Code, Severity

    implied = (Code.SYSTEMD_NO_PRIVATE_BPF, Code.SYSTEMD_NO_PRIVATE_USERS)
    findings = [f for f in scan.findings if f.code not in implied]
    if any(f.severity is Severity.ERROR for f in findings):
        raise _SettingsError("\n".join(f.render() for f in findings))
    for finding in findings:  # what the manager does besides: shown, not fatal
        io.err.write(finding.render() + "\n")
    if len(scan.found) > 1:
        return [(name, found.line, found.options) for found in scan.found]
    return [(name, None, found.options) for found in scan.found] or [(name, None, "")]


def run(args: argparse.Namespace, io: IO) -> int:
    if bool(args.options) == bool(args.file):
        raise UsageError("delegopts format: give option strings or -f FILE (not both)")

    catalog = catalog_for(args, io)
    inputs: Iterable[tuple[str, int | None, str]]
    try:
        if args.source in ("systemd", "incus", "lxd"):
            inputs = _from_settings(args, catalog, io)
        else:
            inputs = inputs_of(args, io)
        return _format_each(args, catalog, inputs, io)
    except _SettingsError as error:
        io.err.write(f"{error}\n")
        return ExitStatus.INVALID


def _format_each(
    args: argparse.Namespace,
    catalog: Catalog,
    inputs: Iterable[tuple[str, int | None, str]],
    io: IO,
) -> int:
    """Convert and write each input as it comes (``--from json`` decoded first)."""
    from delegopts.cli._common import JsonStream
    from delegopts.display import printable
    from delegopts.semantics import parse

    status = ExitStatus.OK
    stream = None
    if args.json or args.jsonl:
        stream = JsonStream(io, "format", "results", {"kernel": catalog.label}, lines=args.jsonl)
    for name, line, given in inputs:
        text = _from_json(given, name) if args.source == "json" else given
        location = f"{printable(name)}:{line}" if line is not None else ""
        record: dict[str, Any] = {
            "input": text,
            "ok": True,
            "options": None,
            "errno": None,
            "error": None,
            "column": None,
            "diagnostics": [],
        }
        if line is not None:
            record["line"] = line
        try:
            options = parse(text, catalog)
        except OptionError as error:
            status = ExitStatus.INVALID
            record.update(
                ok=False, errno=error.errno_name, error=error.headline(), column=error.column
            )
            if stream is None:
                io.err.write(error.render(location) + "\n")
        else:
            shown = record["options"] = str(options)
            record["diagnostics"] = [d.to_json() for d in options.diagnostics]
            if args.to == "kernel":
                converted = shown  # rendered once: this is what --to kernel prints
            else:
                where = f"{location}: " if location else ""
                converted = _convert(options, args.to, io, where, args)
                record[args.to] = converted
            if stream is None:
                io.out.write(f"{converted}\n")
                where = f"{location}: " if location else ""
                for diagnostic in options.diagnostics:
                    io.err.write(f"{where}{diagnostic.headline()}\n")
        if stream is not None:
            stream.add(record)
    if stream is not None:
        stream.close()
    return status
