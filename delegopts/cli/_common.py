"""What every command shares: exit statuses, output streams, target-kernel options."""

from __future__ import annotations

import argparse
import enum
import functools
import sys
from contextvars import ContextVar, Token

from delegopts._namedtuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    import json
    from typing import Any, TextIO

    from delegopts.btf import BTF
    from delegopts.catalog import Catalog
    from delegopts.policy import Policy
    from delegopts.systemd.tables import Release

__all__ = [
    "IO",
    "JSON_SCHEMA",
    "ExitStatus",
    "HelpFormatter",
    "JsonStream",
    "UsageError",
    "add_lint_options",
    "add_target",
    "catalog_for",
    "dump_json",
    "json_text",
    "kernel_btf_for",
    "open_input",
    "policy_of",
    "stamp",
    "take_stdin",
]

#: Bumped when a key of the JSON output changes meaning or goes away (2: every document
#: says its command and the delegopts version; format --json is one document).
JSON_SCHEMA = 2


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter: prose wrapped to the terminal, indented lines kept as written.

    Descriptions and epilogs mix prose with examples (``  $ delegopts ...``): lines that
    start at the margin are joined and filled, indented ones (the examples) are left as
    they are. argparse imports shutil (and with it bz2, lzma and zlib) for the terminal
    width whenever a parser is built; ``os.get_terminal_size`` gives the same number.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        lines: list[str] = []
        prose: list[str] = []
        for line in [*text.splitlines(), ""]:
            if line[:1].isspace() or not line:
                if prose:
                    lines += textwrap.wrap(
                        " ".join(prose), width, initial_indent=indent, subsequent_indent=indent
                    )
                    prose.clear()
                lines.append(indent + line)
            else:
                prose.append(line.strip())
        return "\n".join(lines[:-1])


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size tells it: $COLUMNS, stdout, 80."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class ExitStatus(enum.IntEnum):
    """What ``delegopts`` exits with."""

    #: the input is valid (``diff``: the same rights)
    OK = 0
    #: the input is invalid, or warns under ``--strict`` (``diff``: the rights differ)
    INVALID = 1
    #: the command line is not valid
    USAGE = 2
    #: an input file, or the target kernel's BTF, cannot be read
    UNREADABLE = 3
    #: a bug in delegopts: ``--traceback`` shows where
    INTERNAL = 4
    #: Ctrl-C
    INTERRUPTED = 130


class UsageError(Exception):
    """Arguments that do not make a valid command line (exit status 2)."""


class IO(NamedTuple):
    """The command's streams: what it reads for ``-``, where data and diagnostics go."""

    out: TextIO
    err: TextIO
    inp: TextIO


#: What standard input was read as in the run in progress (one use a run).
_stdin_use: ContextVar[str | None] = ContextVar("delegopts_stdin_use", default=None)


def take_stdin(io: IO, what: str) -> TextIO:
    """Standard input, to be read as ``what`` (``the BTF (--btf -)``...).

    It can be read once: a second use is an InputError naming the first, never an empty
    input that would pass as valid.
    """
    from delegopts.errors import InputError

    first = _stdin_use.get()
    if first is not None:
        raise InputError(
            "-",
            f"standard input cannot be read as {what}: it is read as {first} already; give "
            "one of them as a file",
        )
    _stdin_use.set(what)
    return io.inp


def fresh_stdin() -> Token[str | None]:
    """A run starts with standard input unread; reset with the token when it ends."""
    return _stdin_use.set(None)


def reset_stdin(token: Token[str | None]) -> None:
    _stdin_use.reset(token)


def add_lint_options(parser: argparse.ArgumentParser) -> None:
    """``--ignore`` and ``--no-lint``, the same for every command that prints findings."""
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="leave out findings with this code or name (repeat, or CODE,CODE)",
    )
    parser.add_argument("--no-lint", action="store_true", help="only the kernel's own rules")


def policy_of(args: argparse.Namespace) -> Policy:
    """``--ignore`` (codes or names) and ``--strict``; a usage error for an unknown code."""
    from delegopts.policy import Policy, UnknownCodeError

    try:
        return Policy.from_args(args.ignore, strict=getattr(args, "strict", False))
    except UnknownCodeError as error:
        raise UsageError(f"delegopts {args.command}: --ignore: {error}") from error


def add_target(parser: argparse.ArgumentParser) -> None:
    """The options that choose the target kernel."""
    group = parser.add_argument_group(
        "target kernel (default: the running kernel, else the newest shipped snapshot)"
    )
    which = group.add_mutually_exclusive_group()
    which.add_argument(
        "--btf",
        metavar="SOURCE",
        help="where the kernel's BTF is, kind detected: raw BTF (/sys/kernel/btf/vmlinux), "
        "a vmlinux ELF, a kernel image (bzImage /boot/vmlinuz-*, arm64 Image, Image.gz), "
        "or a compressed file",
    )
    which.add_argument(
        "--kernel",
        metavar="VERSION",
        help="a snapshot shipped with delegopts (6.1.170, 6.12.107, 6.18.44, 7.2.13; "
        "'delegopts names --kernel X' lists its names)",
    )
    which.add_argument(
        "--kernel-release",
        metavar="RELEASE",
        help="an installed kernel (uname -r): its image under /boot or /usr/lib/modules",
    )
    group.add_argument(
        "--no-btf",
        action="store_true",
        help="as the kernel behaves when it cannot read its BTF: only 'any' and numbers",
    )


def kernel_btf_for(args: argparse.Namespace) -> BTF | None:
    """The target kernel's complete BTF, where there is one (the shipped snapshots hold
    only the enums): what ``derive`` and ``check --for`` need for struct_ops members."""
    import os

    from delegopts.btf import RUNNING_KERNEL_BTF, load_btf
    from delegopts.btf.installed import release_source

    source: str | None = None
    if args.btf:
        source = args.btf
    elif args.kernel_release:
        source = release_source(args.kernel_release)
    elif not args.kernel and os.path.exists(RUNNING_KERNEL_BTF):
        source = RUNNING_KERNEL_BTF
    return None if source is None else load_btf(source)[0]


def add_systemd(parser: argparse.ArgumentParser) -> None:
    """The option that chooses the systemd release units are read as."""
    parser.add_argument(
        "--systemd",
        metavar="VERSION",
        help="read units and BPFDelegate*= settings as this systemd release does (258 to "
        "261.2, 262.1; point releases differ): default the installed systemd, else the newest",
    )


def systemd_release(args: argparse.Namespace) -> tuple[Release, str]:
    """The systemd release ``--systemd`` names (or the default), and why it was chosen."""
    from delegopts.systemd.tables import UnknownRelease, select

    try:
        return select(
            args.systemd,
            origin=getattr(args, "systemd_origin", None),
            root=getattr(args, "root", None),
        )
    except UnknownRelease as error:
        raise UsageError(f"delegopts: {error}") from error


def catalog_for(args: argparse.Namespace, io: IO) -> Catalog:
    """The target kernel's catalog; raises BTFError when it cannot be read.

    Without a choice, the running kernel's ``/sys/kernel/btf/vmlinux``; where the running
    kernel has none, the newest shipped snapshot, with a notice on standard error.
    """
    import os

    from delegopts.btf import installed, load
    from delegopts.catalog import Catalog
    from delegopts.errors import BTFError

    btf = getattr(args, "btf", None)
    version = getattr(args, "kernel", None)
    release = getattr(args, "kernel_release", None)
    if btf == "-":
        from delegopts.cli._spool import stdin_file

        with stdin_file(take_stdin(io, "a BTF source (-)")) as spooled:
            catalog = Catalog.from_source(spooled, label="<stdin>")
    elif btf:
        catalog = Catalog.from_source(btf)
    elif version:
        try:
            found, _ = load.load_snapshot(version)
        except BTFError as error:
            origin = getattr(args, "kernel_origin", None)  # not --kernel: a settings file
            if origin is None:
                raise
            raise BTFError(error.message, source=origin) from None
        catalog = Catalog.from_btf(found, label=version)
    elif release:
        catalog = Catalog.from_source(installed.release_source(release), label=release)
    elif os.path.exists(load.RUNNING_KERNEL_BTF):
        catalog = Catalog.from_source(load.RUNNING_KERNEL_BTF, label=os.uname().release)
    else:
        from delegopts.btf import snapshots

        newest = snapshots.newest()
        if newest is None:
            raise BTFError(
                "the running kernel has no BTF and no snapshot is shipped: pass --btf SOURCE",
                source=load.RUNNING_KERNEL_BTF,
            )
        io.err.write(
            f"delegopts: notice: the running kernel ({os.uname().release}) has no "
            f"{load.RUNNING_KERNEL_BTF}; using the names of the shipped snapshot of "
            f"Linux {newest} (choose one with --kernel, --kernel-release or --btf)\n"
        )
        found, _ = load.load_snapshot(newest)
        catalog = Catalog.from_btf(found, label=newest)
    return catalog.without_names() if getattr(args, "no_btf", False) else catalog


def read_text(name: str, io: IO) -> str:
    """The text of the file ``name``, or of standard input for ``-``.

    Bytes that are not UTF-8 are kept (``surrogateescape``); a file that cannot be read is
    an :class:`~delegopts.errors.InputError` naming it (exit status 3).
    """
    from delegopts.errors import InputError

    if name == "-":
        return take_stdin(io, "an input (-)").read()
    from delegopts.inputs import open_regular

    try:
        with open_regular(name) as file:
            return file.read().decode("utf-8", "surrogateescape")
    except InputError:
        raise
    except OSError as error:
        raise InputError(
            name, f"cannot read: {error.strerror or error}", errno=error.errno
        ) from error


def json_text(value: Any) -> str:
    """``value`` as JSON: sorted keys, and only ASCII (text from the input, control and
    bidi characters included, is escaped by JSON itself and stays exact)."""
    return _encoder().encode(value)


@functools.cache
def _encoder() -> json.JSONEncoder:
    """One encoder for the run: json.dumps with options builds one per call (a record a
    line). Made on first use: json is imported only by a run that writes JSON."""
    import json

    return json.JSONEncoder(sort_keys=True, ensure_ascii=True)


def stamp(command: str) -> dict[str, Any]:
    """What every JSON document and JSON line says of itself."""
    from delegopts import __version__

    return {"command": command, "delegopts": __version__, "schema": JSON_SCHEMA}


def dump_json(value: dict[str, Any], io: IO, command: str) -> None:
    """One JSON document, stamped with the command and version (see :func:`stamp`)."""
    io.out.write(json_text({**value, **stamp(command)}) + "\n")


class JsonStream:
    """A JSON document one of whose keys is a list written as it grows, or, with ``lines``,
    JSON Lines: one stamped record a line, each with the ``context`` keys too.

    Keys are sorted, so the document is written as: the keys before the list's, the list
    an item at a time, then the keys after it (given at :meth:`close`).
    """

    def __init__(
        self, io: IO, command: str, key: str, context: dict[str, Any], *, lines: bool = False
    ) -> None:
        self.io, self.command, self.key, self.lines = io, command, key, lines
        self.context = context
        self.first = True
        self.head = {**context, **stamp(command)}
        if not lines:
            before = {k: v for k, v in self.head.items() if k < key}
            opening = json_text(before)[:-1] if before else "{"
            io.out.write(f"{opening}{', ' if before else ''}{json_text(key)}: [")

    def add(self, record: dict[str, Any]) -> None:
        if self.lines:
            self.io.out.write(json_text({**record, **self.head}) + "\n")
            return
        self.io.out.write(("" if self.first else ", ") + json_text(record))
        self.first = False

    def close(self, **after: Any) -> None:
        if self.lines:
            return
        rest = {k: v for k, v in {**self.head, **after}.items() if k > self.key}
        self.io.out.write("]" + (", " + json_text(rest)[1:] if rest else "}") + "\n")


def open_input(name: str, io: IO) -> TextIO:
    """The file ``name`` (standard input for ``-``) as text to read a line at a time.

    Bytes that are not UTF-8 are kept (``surrogateescape``); lines end at ``\\n``,
    ``\\r\\n`` or ``\\r``. A file that cannot be read, or is no regular file, is an
    :class:`~delegopts.errors.InputError` naming it (exit status 3).
    """
    import io as _io

    from delegopts.inputs import open_regular

    if name == "-":
        return take_stdin(io, "an input (-)")
    return _io.TextIOWrapper(
        open_regular(name), encoding="utf-8", errors="surrogateescape", newline=""
    )
