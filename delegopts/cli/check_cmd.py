"""``delegopts check``: validate option strings, mount command lines and files that hold them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from delegopts.cli._common import (
    IO,
    JSON_SCHEMA,
    ExitStatus,
    UsageError,
    add_lint_options,
    add_target,
    catalog_for,
    dump_json,
    policy_of,
    read_text,
)
from delegopts.display import printable

if TYPE_CHECKING:
    from delegopts.catalog import Catalog
    from delegopts.diagnostics import Diagnostic
    from delegopts.formats import Format, Found, Scan
    from delegopts.formats.findings import Checked

_EXAMPLES = """\
examples:
  $ delegopts check 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  $ delegopts check -o delegate_cmds=prog_load -o delegate_progs=kprobe
  $ delegopts check -- mount -t bpf bpffs /sys/fs/bpf/token \\
        -o delegate_cmds=prog_load:MAP_CREATE -o delegate_progs=kprobe
  $ delegopts check --fstab /etc/fstab --unit /etc/systemd/system/my.service
  $ delegopts check --mountinfo /proc/self/mountinfo --strict --json
  $ delegopts check --ignore D202 --incus instance-config.yaml

A comment '# delegopts: ignore=CODE[,CODE]' on an fstab line, or on the line above an fstab
entry or a unit setting, leaves those codes out there.

exit status: 0 valid, 1 invalid (or warnings with --strict), 2 usage error,
3 unreadable BTF or file, 4 internal error (a bug)
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="validate option strings, mount command lines, fstab, units, mountinfo",
        description="Check every bpffs option string in the inputs against the target kernel: "
        "what it would refuse (errors) and what it would do that the author may not expect "
        "(warnings). Each finding names the file, line and column.",
        epilog=_EXAMPLES,
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="option strings, files (format guessed from the name), '-' for one option "
        "string a line on stdin, or a whole 'mount ...' command line after '--'",
    )
    parser.add_argument(
        "-o",
        dest="options",
        action="append",
        default=[],
        metavar="OPTIONS",
        help="mount -o options (repeat like mount: joined with ',')",
    )
    for flag, what in (
        ("--fstab", "an fstab(5) file"),
        ("--unit", "a systemd unit (.mount, or a service with BPFDelegate*= settings)"),
        ("--mountinfo", "a copy of /proc/self/mountinfo or /proc/mounts"),
        ("--incus", "Incus keys security.bpffs.delegate_* (key: value or key=value)"),
    ):
        parser.add_argument(flag, action="append", default=[], metavar="FILE", help=what)
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    add_lint_options(parser)
    parser.add_argument("--json", action="store_true", help="one JSON document for CI")
    add_target(parser)
    parser.set_defaults(run=run)


def _is_command(inputs: list[str]) -> bool:
    words = [w for w in inputs if w.rsplit("/", 1)[-1] not in ("sudo", "doas", "env")]
    return bool(words) and words[0].rsplit("/", 1)[-1] == "mount"


#: Endings of the files ``check`` reads by name.
_FILE_ENDINGS = (".mount", ".service", ".socket", ".swap", ".conf", ".yaml", ".yml", ".json")


def _names_a_file(text: str) -> bool:
    """Whether an INPUT is a file name rather than an option string.

    An existing file is one; so is what only a path looks like (a ``/`` or a known
    ending, and no ``=``), so that a mistyped name fails instead of being checked as an
    option string that bpffs would ignore. ``--`` before it, or ``-o``, forces options.
    """
    import os

    if "=" in text:
        return False
    return os.path.lexists(text) or "/" in text or text.endswith(_FILE_ENDINGS)


def _scans(args: argparse.Namespace, catalog_of: Any, io: IO) -> list[Scan]:
    from delegopts.formats import Found, Scan, guess_format, scan
    from delegopts.formats.cmdline import scan_command

    scans: list[Scan] = []
    given_formats: tuple[tuple[Format, list[str]], ...] = (
        ("fstab", args.fstab),
        ("unit", args.unit),
        ("mountinfo", args.mountinfo),
        ("incus", args.incus),
    )
    for given, names in given_formats:
        for name in names:
            scans.append(
                scan(given, read_text(name, io), name, catalog_of() if given == "unit" else None)
            )
    if args.options:
        command = ["mount", "-t", "bpf"]
        for options in args.options:
            command += ["-o", options]
        scans.append(scan_command(command, "-o"))
    if _is_command(args.inputs):
        scans.append(scan_command(args.inputs))
        return scans
    literal = len(getattr(args, "after_dashes", ()))  # the last inputs came after '--'
    for number, text in enumerate(args.inputs, start=1):
        if text == "-":
            lines = read_text("-", io).splitlines()
            found = [Found.plain(t, path="<stdin>", line=n) for n, t in enumerate(lines, 1) if t]
            scans.append(Scan.of(found, ()))
        elif number <= len(args.inputs) - literal and _names_a_file(text):
            kind = guess_format(text)
            content = read_text(text, io)  # a missing or unreadable file: exit status 3
            if kind is None:
                raise UsageError(
                    f"delegopts check: cannot tell the format of {printable(text)}: "
                    "use --fstab, --unit, --mountinfo or --incus"
                )
            scans.append(scan(kind, content, text, catalog_of() if kind == "unit" else None))
        else:
            scans.append(Scan.of([Found.plain(text, path=f"<argument {number}>", line=1)], ()))
    return scans


def run(args: argparse.Namespace, io: IO) -> int:
    if not (args.inputs or args.options or args.fstab or args.unit or args.mountinfo or args.incus):
        raise UsageError("delegopts check: nothing to check (give INPUT, -o, --fstab, --unit...)")
    from delegopts.formats.findings import check_found

    catalogs: list[Catalog] = []

    def catalog_of() -> Catalog:
        if not catalogs:
            catalogs.append(catalog_for(args, io))
        return catalogs[0]

    policy = policy_of(args)
    scans = _scans(args, catalog_of, io)
    catalog = catalog_of()
    results: list[Checked] = []
    format_findings = [f for s in scans for f in s.findings if policy.shows(f)]
    for found in (f for s in scans for f in s.found):
        results.append(check_found(found, catalog, policy.ignore, lint=not args.no_lint))
    failed = policy.fails(format_findings + [f for r in results for f in r.findings])
    if args.json:
        dump_json(_json(catalog, results, format_findings, failed), io)
    else:
        _text(results, format_findings, io)
    return ExitStatus.INVALID if failed else ExitStatus.OK


def _where(found: Found) -> str:
    return f"{found.path}:{found.line}" if found.path else ""


def _text(results: list[Checked], format_findings: list[Diagnostic], io: IO) -> None:
    """Findings in file order (file, line, column), each entry's summary after its findings."""
    from delegopts.diagnostics import Diagnostic

    files: dict[str, int] = {}
    for path in [f.path for f in format_findings] + [r.found.path for r in results]:
        files.setdefault(path, len(files))
    events: list[tuple[tuple[int, int, int, int], Diagnostic | Checked]] = []
    for finding in format_findings + [f for r in results for f in r.findings]:
        events.append(((files[finding.path], finding.line, 0, finding.column), finding))
    for result in results:
        events.append(((files[result.found.path], result.found.line, 1, 0), result))
    counts = {"error": 0, "warning": 0, "info": 0}
    for _, event in sorted(events, key=lambda item: item[0]):
        if isinstance(event, Diagnostic):
            io.err.write(event.render() + "\n")
            counts[event.severity.value] += 1
        elif event.options is not None:
            shown = str(event.options) or "(nothing shown)"
            io.out.write(f"{_where(event.found)}: {event.found.what}: {shown}\n")
    summary = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items() if n)
    checked = len(results)
    io.err.write(
        f"{checked} option string{'s' if checked != 1 else ''} checked"
        f"{': ' + summary if summary else ', no findings'}\n"
    )


def _json(
    catalog: Catalog, results: list[Checked], format_findings: list[Diagnostic], failed: bool
) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA,
        "kernel": catalog.label,
        "ok": not failed,
        "problems": [f.to_json() for f in format_findings],
        "inputs": [
            {
                "file": r.found.path,
                "line": r.found.line,
                "what": r.found.what,
                "target": r.found.target,
                "input": r.found.options,
                "ok": r.ok,
                "shown": None if r.options is None else str(r.options),
                "options": None if r.options is None else r.options.to_json(),
                "problems": [f.to_json() for f in r.findings],
            }
            for r in results
        ],
    }
