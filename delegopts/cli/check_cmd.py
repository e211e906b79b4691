"""``delegopts check``: validate option strings, mount command lines and files that hold them."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator

from delegopts.cli._common import (
    IO,
    ExitStatus,
    UsageError,
    add_lint_options,
    add_systemd,
    add_target,
    catalog_for,
    kernel_btf_for,
    open_input,
    policy_of,
    systemd_release,
    take_stdin,
)
from delegopts.cli.check_output import REPORT_FORMATS, open_report
from delegopts.display import printable
from delegopts.formats._found import numbered_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, TextIO

    from delegopts.catalog import Catalog
    from delegopts.diagnostics import Code, Diagnostic
    from delegopts.formats import Format, Found, Scan
    from delegopts.formats.findings import Checked
    from delegopts.systemd.search import RootUnit
    from delegopts.systemd.tables import Release

    #: One line's (or one whole file's) format findings and option strings.
    Batch = list[Found | Diagnostic]

_EXAMPLES = """\
examples:
  $ delegopts check 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  $ delegopts check -o delegate_cmds=prog_load -o delegate_progs=kprobe
  $ delegopts check -- mount -t bpf bpffs /sys/fs/bpf/token \\
        -o delegate_cmds=prog_load:MAP_CREATE -o delegate_progs=kprobe
  $ delegopts check --fstab /etc/fstab --unit /etc/systemd/system/my.service
  $ delegopts check --mountinfo /proc/self/mountinfo --strict --json
  $ delegopts check --ignore D202 --incus instance-config.yaml
  $ delegopts check --unit my.service --for /usr/lib/myapp/   # what the app's BPF needs
  $ incus config show c1 --expanded | delegopts check -
  $ delegopts check incus-list.json lxd-profile.yaml mount-output.txt
  $ delegopts check --systemd 258.4 --unit /etc/systemd/system/app.service  # + app.service.d/
  $ delegopts check --unit /etc/systemd/system          # every unit there, with its drop-ins
  $ systemctl cat app.service | delegopts check --unit -

A file's format is read from its content (an Incus or LXD configuration in any shape:
config show, list or query output, config set commands, key=value lines; mountinfo,
/proc/mounts, mount(8) or findmnt output; a unit; an fstab), else guessed from its name;
--fstab, --unit, --mountinfo, --incus and --lxd say it instead.

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
        help="option strings, files (format read from the content), '-' for stdin (a file's "
        "content, or one option string a line), or a whole 'mount ...' command line after '--'",
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
        (
            "--unit",
            "a systemd unit (.mount, or a service with BPFDelegate*= settings) with the "
            "drop-ins beside it (UNIT.d/*.conf...), a folder of units such as "
            "/etc/systemd/system, or '-' for 'systemctl cat' output",
        ),
        ("--mountinfo", "/proc/self/mountinfo, /proc/mounts, mount(8) or findmnt output"),
        ("--incus", "Incus security.bpffs.* settings: config show, list, query, config set..."),
        ("--lxd", "LXD security.delegate_bpf* settings: config show, profile show, config set"),
    ):
        parser.add_argument(flag, action="append", default=[], metavar="FILE", help=what)
    parser.add_argument(
        "--root", metavar="DIR",
        help="find units as the system manager under DIR does (an image's root, or /): "
        "--unit NAME from DIR's unit search path with drop-ins from all of it; with no "
        "--unit, every unit there and DIR/etc/fstab",
    )  # fmt: skip
    parser.add_argument(
        "--for", dest="for_paths", action="append", default=[], metavar="PATH",
        help="compare with what these BPF objects need (as 'delegopts derive PATH'): "
        "missing bits (D601, D602) and surplus ones (D603)",
    )  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    add_lint_options(parser)
    parser.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="text",
        help="text (findings with carets), json (one document), jsonl (JSON Lines: a line an "
        "input), sarif (SARIF 2.1.0, for code scanning), github (workflow annotations)",
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument("--jsonl", action="store_true", help="the same as --format jsonl")
    add_systemd(parser)
    add_target(parser)
    parser.set_defaults(run=run)


def _is_command(inputs: list[str]) -> bool:
    words = [w for w in inputs if w.rsplit("/", 1)[-1] not in ("sudo", "doas", "env")]
    return bool(words) and words[0].rsplit("/", 1)[-1] == "mount"


#: Endings of the files ``check`` reads by name.
_FILE_ENDINGS = (".mount", ".service", ".socket", ".swap", ".conf", ".yaml", ".yml", ".json")


def _names_a_unit(text: str) -> bool:
    from delegopts.formats import guess_format

    return _names_a_file(text) and guess_format(text) == "unit"


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


def _batches(
    args: argparse.Namespace, catalog: Catalog, io: IO, release_of: Callable[[], Release]
) -> Iterator[Batch]:
    """The inputs' option strings and format findings, a batch at a time, in input order.

    Files are opened (and their format told) before anything is read, so a missing file
    or an unknown format stops the command before it prints anything. fstab, mountinfo
    and standard input are read a line at a time: memory does not grow with their length.
    """
    from delegopts.formats import Found, guess_format
    from delegopts.formats.cmdline import scan_command

    given: list[tuple[Format, str]] = [
        *(("fstab", name) for name in args.fstab),
        *(("unit", name) for name in args.unit),
        *(("mountinfo", name) for name in args.mountinfo),
        *(("incus", name) for name in args.incus),
        *(("lxd", name) for name in args.lxd),
    ]
    opened: list[TextIO] = []
    plans: list[Callable[[], Iterable[Batch]]] = []

    def read(kind: Format | None, name: str, *, asked: bool = True) -> None:
        if kind == "unit" and args.root is not None and _is_unit_name(name):
            units = _root_units(args.root, name)
            plans.append(lambda: _root_batches(units, catalog, release_of()))
            return
        if kind == "unit":  # a unit brings its drop-ins; a folder, its units
            if name == "-":
                take_stdin(io, "a unit (--unit -)")
            _must_exist(name, io)
            plans.append(lambda: _unit_batches(name, catalog, release_of(), io))
            return
        stream = open_input(name, io)  # a missing or unreadable file: exit status 3
        if stream is not io.inp:
            opened.append(stream)
        if kind is None:  # what the file holds says what it is, else its name
            from delegopts.formats.sniff import sniff_stream  # only unnamed formats need it

            original = stream
            sniffed, stream = sniff_stream(stream)
            kind = sniffed or guess_format(name)
            if kind is None:
                raise UsageError(
                    f"delegopts check: cannot tell the format of {printable(name)}: "
                    "use --fstab, --unit, --mountinfo, --incus or --lxd"
                )
            if kind == "unit" and original is not io.inp:  # read with its drop-ins instead
                opened.remove(original)
                original.close()
                plans.append(lambda: _unit_batches(name, catalog, release_of(), io))
                return
        form: Format = kind
        plans.append(lambda: _file_batches(form, name, stream, catalog, asked=asked))

    try:
        if args.root is not None and not args.unit:
            # every unit there, and the image's fstab: systemd makes its lines mount units
            every = _root_units(args.root)  # before anything is printed
            plans.append(lambda: _root_batches(every, catalog, release_of()))
            fstab = _root_folder(args.root) / "etc/fstab"
            if fstab.is_file():
                read("fstab", str(fstab), asked=False)
        for kind, name in given:
            read(kind, name)
        if args.options:
            command = ["mount", "-t", "bpf"]
            for options in args.options:
                command += ["-o", options]
            plans.append(lambda: [_whole(scan_command(command, "-o"))])
        if _is_command(args.inputs):
            plans.append(lambda: [_whole(scan_command(args.inputs))])
        else:
            literal = len(getattr(args, "after_dashes", ()))  # the last inputs came after '--'
            for number, text in enumerate(args.inputs, start=1):
                if text == "-":
                    from delegopts.formats.sniff import sniff_stream

                    piped, stream = sniff_stream(take_stdin(io, "an input (-)"))  # `incus ... | -`
                    if piped is None:
                        plans.append(lambda stream=stream: _stdin_batches(stream))  # type: ignore[misc]
                    else:
                        form = piped
                        plans.append(
                            lambda form=form, stream=stream: _file_batches(  # type: ignore[misc]
                                form, "<stdin>", stream, catalog
                            )
                        )
                elif number <= len(args.inputs) - literal and _names_a_file(text):
                    read(None, text)
                else:
                    found = Found.plain(text, path=f"<argument {number}>", line=1)
                    plans.append(lambda found=found: [[found]])  # type: ignore[misc]
    except BaseException:
        for stream in opened:
            stream.close()
        raise
    return _run_plans(plans, opened)


def _run_plans(plans: list[Callable[[], Iterable[Batch]]], opened: list[TextIO]) -> Iterator[Batch]:
    try:
        for plan in plans:
            yield from plan()
    finally:
        for stream in opened:
            stream.close()


def _must_exist(name: str, io: IO) -> None:
    """Refuse a unit path that is missing, before anything is printed (exit status 3)."""
    import os

    if name != "-" and not os.path.isdir(name):
        open_input(name, io).close()


def _is_unit_name(name: str) -> bool:
    from delegopts.systemd.units import EXEC_SECTIONS

    stem, dot, suffix = name.rpartition(".")
    return "/" not in name and bool(stem) and f"{dot}{suffix}" in EXEC_SECTIONS


def _root_folder(root: str) -> Path:
    import os
    from pathlib import Path

    from delegopts.errors import InputError

    if not os.path.isdir(root):
        raise InputError(root, "--root needs a folder (the root of the tree systemd would see)")
    return Path(root)


def _root_units(root: str, name: str | None = None) -> list[RootUnit]:
    """Unit ``name`` under ``root``, or every unit there (None), found before anything is
    printed; a named unit systemd would not load is exit status 3."""
    from delegopts.errors import InputError
    from delegopts.systemd.search import SEARCH_PATH, find_unit, units_under

    try:
        folder = _root_folder(root)
        if name is None:
            return units_under(folder)
        unit = find_unit(folder, name)
    except InputError:
        raise
    except OSError as error:
        raise InputError(error.filename or root, f"cannot read: {error.strerror}") from error
    if unit is None or not (unit.complete or unit.masked):  # drop-ins alone: no unit
        raise InputError(
            name, f"no such unit under {root} (searched {', '.join(SEARCH_PATH[:2])}, ... "
            f"{SEARCH_PATH[-2]} and {SEARCH_PATH[-1]})",
        )  # fmt: skip
    if unit.masked is not None:
        raise InputError(
            name, f"masked under {root} ({unit.masked} is empty or a link to /dev/null): "
            "systemd loads none of its settings",
        )  # fmt: skip
    return [unit]


def _root_batches(units: list[RootUnit], catalog: Catalog, release: Release) -> Iterator[Batch]:
    from delegopts.formats.systemd import scan_unit_files

    for unit in units:
        if unit.masked is None:  # a masked unit has no settings to check
            yield _whole(scan_unit_files(unit.files, catalog, release, name=unit.name,
                                         complete=unit.complete))  # fmt: skip


def _unit_batches(name: str, catalog: Catalog, release: Release, io: IO) -> Iterator[Batch]:
    """A unit with its drop-ins, every unit of a folder, or ``systemctl cat`` on stdin."""
    from pathlib import Path

    from delegopts.errors import InputError
    from delegopts.formats.systemd import scan_unit_files
    from delegopts.systemd.units import UnitFile, split_systemctl_cat, unit_files, units_in

    if name == "-":
        text = io.inp.read()
        files = split_systemctl_cat(text) or [UnitFile("<stdin>", text)]
        yield _whole(scan_unit_files(files, catalog, release))
        return
    path = Path(name)
    try:
        if path.is_dir() and not path.name.endswith(".d"):
            for unit, files, complete in units_in(path):
                yield _whole(scan_unit_files(files, catalog, release, name=unit,
                                             complete=complete))  # fmt: skip
            return
        # a drop-in, or a folder of them, names its unit: 'foo.service.d/x.conf'
        folder = path if path.is_dir() else path.parent
        owner = folder.name.removesuffix(".d") if folder.name.endswith(".d") else None
        if path.suffix == ".conf" and owner is not None:
            text = path.read_bytes().decode("utf-8", "surrogateescape")
            files, complete = [UnitFile(name, text)], False
        else:
            files, complete = unit_files(path)
    except OSError as error:
        raise InputError(
            name, f"cannot read: {error.strerror or error}", errno=error.errno
        ) from error
    yield _whole(scan_unit_files(files, catalog, release, name=None if complete else owner,
                                 complete=complete))  # fmt: skip


def _whole(scanned: Scan) -> Batch:
    return [*scanned.findings, *scanned.found]


def _stdin_batches(stream: TextIO) -> Iterator[Batch]:
    from delegopts.formats import Found

    for number, line in numbered_lines(stream):
        if line:
            yield [Found.plain(line, path="<stdin>", line=number)]


def _file_batches(
    kind: Format, name: str, stream: TextIO, catalog: Catalog, *, asked: bool = True
) -> Iterator[Batch]:
    """A file's batches; one without bpffs entries says so (F105) where it was ``asked``
    for, not where it is read because it is there (a root's fstab)."""
    from delegopts.formats import nothing_found, scan
    from delegopts.formats.fstab import fstab_batches
    from delegopts.formats.mountinfo import Mount, mount_batches

    if kind not in ("fstab", "mountinfo"):  # units, Incus, LXD: read whole (a setting
        # may come after its use, a YAML document is one)
        yield _whole(scan(kind, stream.read(), name, catalog if kind == "unit" else None))
        return
    first: list[tuple[int, str]] = []

    def watched() -> Iterator[tuple[int, str]]:
        for number, line in numbered_lines(stream):  # the caller closes the stream
            if not first and line.strip():
                first.append((number, line))
            yield number, line

    batches: Iterator[list[Any]] = (
        fstab_batches(watched(), name) if kind == "fstab" else mount_batches(watched(), name)
    )
    anything = False
    while True:
        try:
            batch = next(batches)
        except StopIteration as done:
            skipped = int(done.value or 0)
            break
        anything = anything or bool(batch)
        yield [e.found if isinstance(e, Mount) else e for e in batch]
    if not anything and asked:  # a file with no bpffs entry at all says so
        yield [nothing_found(kind, name, first[0] if first else (1, ""), skipped)]


def run(args: argparse.Namespace, io: IO) -> int:
    given = (args.fstab, args.unit, args.mountinfo, args.incus, args.lxd)
    if not (args.inputs or args.options or any(given) or args.root is not None):
        raise UsageError("delegopts check: nothing to check (give INPUT, -o, --fstab, --unit...)")
    from delegopts.diagnostics import Diagnostic
    from delegopts.formats.findings import check_found

    policy = policy_of(args)
    catalog = catalog_for(args, io)
    # A bad --systemd stops the command before anything is read; which release it is is
    # said when the first unit is read (after every file was opened).
    units = bool(args.unit) or args.root is not None
    units = units or any(_names_a_unit(name) for name in args.inputs)
    chosen = systemd_release(args) if units else None
    said: list[bool] = []
    text = not (args.json or args.jsonl) and args.format == "text"

    def release_of() -> Release:
        release, why = chosen if chosen is not None else systemd_release(args)
        if text and not said:  # JSON says it in each input's 'what'
            io.err.write(f"units read as {printable(why)}\n")
            said.append(True)
        return release

    batches = _batches(args, catalog, io, release_of)  # opens the files: may stop here
    # The objects are read before anything is printed, too.
    objects = _ForObjects(args, catalog, policy.ignore, io) if args.for_paths else None
    report = open_report(
        "json" if args.json else "jsonl" if args.jsonl else args.format, io, catalog
    )
    failed = False
    if objects is not None and objects.problems:
        failed = policy.fails(objects.problems)
        report.add(objects.problems, [])
    for batch in batches:
        shown = [e for e in batch if isinstance(e, Diagnostic) and policy.shows(e)]
        results = [
            check_found(e, catalog, policy.ignore, lint=not args.no_lint)
            for e in batch
            if not isinstance(e, Diagnostic)
        ]
        if objects is not None:
            results = [objects.compare(result) for result in results]
        failed = policy.fails([*shown, *(f for r in results for f in r.findings)]) or failed
        report.add(shown, results)
    report.close(failed)
    return ExitStatus.INVALID if failed else ExitStatus.OK


class _ForObjects:
    """``--for``: what the BPF objects at ``paths`` need, and each result compared with it
    (D601-D603). The objects' own problems (a type the kernel lacks, a file that is no
    object) are findings too: the answer misses what those would need."""

    def __init__(
        self, args: argparse.Namespace, catalog: Catalog, ignore: frozenset[Code], io: IO
    ) -> None:
        from delegopts.derive.needs import derive, load_objects, needs_kernel_btf
        from delegopts.derive.sections import SectionTable
        from delegopts.diagnostics import Code, Diagnostic
        from delegopts.errors import InputError, Span

        paths = args.for_paths
        if "-" in paths:
            take_stdin(io, "BPF objects (--for -)")
        objects, unreadable = load_objects(paths)
        if not objects:
            why = "; ".join(unreadable)
            raise InputError(", ".join(paths), f"--for: no BPF object in it ({why})")
        kernel_btf = kernel_btf_for(args) if needs_kernel_btf(objects) else None
        self.answer = derive(objects, catalog, SectionTable.load(), kernel_btf)
        self.ignore = ignore
        self.problems = [
            Diagnostic(Code.MISSING_FOR_OBJECTS, printable(text), Span(0, 0))
            for text in (*unreadable, *self.answer.errors)
        ]

    def compare(self, result: Checked) -> Checked:
        from delegopts.catalog import OptionKind
        from delegopts.derive.compare import diagnose
        from delegopts.diagnostics import Code

        if result.options is None:
            return result
        extra = [result.found.place(d) for d in diagnose(result.options, self.answer)
                 if d.code not in self.ignore]  # fmt: skip
        kept = result.findings
        if "load" in self.answer.roles(OptionKind.PROGS, "struct_ops"):
            # The objects' struct_ops members are known: D601 names any index missing, so
            # D410's guess (only 'any' is sure to cover them) is superseded.
            kept = tuple(f for f in kept if f.code is not Code.STRUCT_OPS_ATTACHS)
        return result._replace(findings=(*kept, *extra))
