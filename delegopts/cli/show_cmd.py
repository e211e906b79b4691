"""``delegopts show``: every bpffs mount of this host, and what each one delegates."""

from __future__ import annotations

import argparse

from delegopts.cli._common import (
    IO,
    ExitStatus,
    UsageError,
    add_lint_options,
    add_target,
    catalog_for,
    open_input,
    policy_of,
)
from delegopts.cli.show_output import COLUMNS, SHOW_FORMATS, open_output, parse_columns

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.formats.findings import Checked
    from delegopts.formats.mountinfo import Mount
    from delegopts.options import Mask, Options

    #: What a run has made of each options value (by identity: the analysis of a repeated
    #: option string is one object), with the value, which keeps its id from being reused.
    _Shown = dict[int, tuple[Options, dict[str, Any]]]

MOUNTINFO = "/proc/self/mountinfo"

_EXAMPLES = """\
examples:
  $ delegopts show                      # the mounts of this host, a table on a terminal
  $ delegopts show --json | jq '.mounts[] | {mount_point, delegate}'
  $ delegopts show --mountinfo other-host-mountinfo.txt --btf other-host-vmlinux.btf
  $ findmnt -J -t bpf | delegopts show --mountinfo -

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
        help=f"a copy of /proc/self/mountinfo or /proc/mounts, or what mount(8) or findmnt(8) "
        f"printed (default {MOUNTINFO})",
    )
    parser.add_argument(
        "mount_points",
        nargs="*",
        metavar="MOUNTPOINT",
        help="show only these mount points (default: every bpffs mount)",
    )
    parser.add_argument(
        "--format",
        choices=SHOW_FORMATS,
        help="how to write: a readable layout on a terminal and plain text elsewhere "
        "(default), one line a mount (raw), JSON with a schema version, or the JSON of "
        "'bpftool -j token list'",
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument("--jsonl", action="store_true", help="the same as --format jsonl")
    parser.add_argument("--plain", action="store_true", help="the same as --format plain")
    parser.add_argument("--raw", action="store_true", help="the same as --format raw")
    parser.add_argument(
        "-o",
        "--output",
        metavar="COLUMNS",
        help=f"with --raw (implied): the columns, comma-separated, of {', '.join(COLUMNS)} "
        "(default: target,uid,gid,mode,cmds,maps,progs,attachs)",
    )
    add_lint_options(parser)
    add_target(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, io: IO) -> int:
    """Each mount is checked and written as it is read: memory does not grow with the host."""
    from delegopts.diagnostics import Diagnostic
    from delegopts.formats._found import numbered_lines
    from delegopts.formats.findings import check_found
    from delegopts.formats.mountinfo import mount_batches

    kind = _format_of(args, io)
    columns = parse_columns(args.output) if args.output else None
    wanted = set(args.mount_points)
    stream = open_input(args.mountinfo, io)
    try:
        catalog = catalog_for(args, io)
        policy = policy_of(args)
        out = open_output(kind, io, catalog, args.mountinfo, columns)
        broken = False
        shown: _Shown = {}
        for batch in mount_batches(numbered_lines(stream), args.mountinfo):
            for event in batch:
                if isinstance(event, Diagnostic):
                    io.err.write(event.render() + "\n")
                    broken = True
                elif not wanted or event.mount_point in wanted:
                    result = check_found(event.found, catalog, policy.ignore, lint=not args.no_lint)
                    out.add(_record(event, result, shown))
        out.close()
    finally:
        if stream is not io.inp:
            stream.close()
    return ExitStatus.INVALID if broken else ExitStatus.OK


def _format_of(args: argparse.Namespace, io: IO) -> str:
    """The output form: what was asked for, else a layout for a terminal, else plain."""
    import os

    asked = [name for name in ("json", "jsonl", "plain", "raw") if getattr(args, name)]
    if args.format:
        asked.append(args.format)
    if args.output and not asked:
        asked.append("raw")
    if len(set(asked)) > 1:
        raise UsageError(f"delegopts show: choose one output form, not {' and '.join(asked)}")
    if args.output and asked != ["raw"]:
        raise UsageError("delegopts show: -o COLUMNS goes with --raw")
    if asked:
        return asked[0]
    terminal = io.out.isatty() and os.environ.get("TERM") != "dumb"
    return "terminal" if terminal else "plain"


def _granted(mask: Mask) -> dict[str, Any]:
    if mask.is_any and mask.effective:
        names: list[str] = []
        value = "any"
    else:
        names = list(mask.names)
        value = " ".join(names + ([f"{mask.leftover:#x}"] if mask.leftover else [])) or "nothing"
    return {"value": value, "any": value == "any", "names": names, "bits": f"{mask.effective:#x}"}


_SHOWN_LIMIT = 256  # distinct values remembered: fleets repeat a few, memory stays bounded


def _record(mount: Mount, result: Checked, shown: _Shown) -> dict[str, Any]:
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
        return record
    known = shown.get(id(options))
    if known is None or known[0] is not options:
        if len(shown) >= _SHOWN_LIMIT:
            shown.clear()
        known = shown[id(options)] = (options, _options_part(options))
    record.update(known[1])  # shared between records: the outputs only read them
    return record


def _options_part(options: Options) -> dict[str, Any]:
    from delegopts.render import mode_shown

    return {
        "owner": {"uid": options.uid, "gid": options.gid},
        "mode": f"{mode_shown(options.mode):04o}",
        "shown": str(options),
        "delegate": {mask.kind.key: _granted(mask) for mask in options},
    }
