"""``delegopts format``: what /proc/mounts will show for option strings, or why they fail."""

from __future__ import annotations

import argparse
from typing import Any

from delegopts.cli._common import (
    IO,
    JSON_SCHEMA,
    ExitStatus,
    UsageError,
    add_target,
    catalog_for,
    dump_json,
    read_lines,
)
from delegopts.errors import BTFError, OptionError

_EXAMPLES = """\
examples:
  $ delegopts format 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  delegate_cmds=map_create:prog_load,delegate_progs=kprobe
  $ delegopts format --json -f options.txt     # one option string a line, '-' for stdin
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "format",
        help="print what the kernel would show in /proc/mounts for option strings",
        description="Print the kernel's rendering of each option string, or why the kernel "
        "would refuse to mount with it (with the errno).",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("options", nargs="*", metavar="OPTIONS", help="bpffs option strings")
    parser.add_argument("-f", "--file", metavar="FILE", help="read one option string a line")
    parser.add_argument("--json", action="store_true", help="one JSON object per input")
    add_target(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, io: IO) -> int:
    if bool(args.options) == bool(args.file):
        raise UsageError("delegopts format: give option strings or -f FILE (not both)")
    from delegopts.semantics import parse

    try:
        catalog = catalog_for(args)
        inputs: list[tuple[str, int | None, str]] = (
            [(args.file, number, text) for number, text in read_lines(args.file, io) if text]
            if args.file
            else [("", None, text) for text in args.options]
        )
    except (BTFError, FileNotFoundError) as error:
        io.err.write(f"delegopts: {error}\n")
        return ExitStatus.UNREADABLE
    status = ExitStatus.OK
    for name, line, text in inputs:
        location = f"{name}:{line}" if line is not None else ""
        record: dict[str, Any] = {
            "schema": JSON_SCHEMA,
            "input": text,
            "kernel": catalog.label,
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
            record.update(ok=False, errno=error.errno_name, error=error.headline(),
                          column=error.column)  # fmt: skip
            if not args.json:
                io.err.write(error.render(location) + "\n")
        else:
            record["options"] = str(options)
            record["diagnostics"] = [d.to_json() for d in options.diagnostics]
            if not args.json:
                io.out.write(f"{options}\n")
                where = f"{location}: " if location else ""
                for diagnostic in options.diagnostics:
                    io.err.write(f"{where}{diagnostic.headline()}\n")
        if args.json:
            dump_json(record, io)
    return status
