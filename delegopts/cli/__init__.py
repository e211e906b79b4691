"""The ``delegopts`` command line: ``main(argv) -> int``, never a traceback by default.

Each command is a module here with ``register(subparsers)`` and ``run(args, io) -> int``;
heavy imports (lark, rich) happen inside the commands that need them, so
``delegopts --version`` starts fast.

>>> import io
>>> out, err = io.StringIO(), io.StringIO()
>>> main(["--version"], stdout=out, stderr=err), out.getvalue().strip()
(0, 'delegopts 0.1.0')
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from delegopts.cli._common import IO, ExitStatus, UsageError

__all__ = ["ExitStatus", "main"]

_COMMANDS = ("format", "check", "rules", "show", "explain", "diff", "btf", "names")

_EPILOG = """\
examples:
  delegopts format 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  delegopts format --btf /sys/kernel/btf/vmlinux --json -f options.txt

exit status: 0 valid, 1 invalid input, 2 usage error, 3 unreadable BTF or file, 130 interrupted
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    from importlib import import_module

    from delegopts import __version__

    parser = _Parser(
        prog="delegopts",
        description="Parse, validate, explain and format bpffs BPF token delegation options.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"delegopts {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of unexpected errors"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMANDS:
        import_module(f"delegopts.cli.{name.replace('-', '_')}_cmd").register(commands)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status."""
    io = IO(stdout or sys.stdout, stderr or sys.stderr)
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments in (["--version"], ["-V"]):  # fast path: no parser, no imports
        from delegopts import __version__

        io.out.write(f"delegopts {__version__}\n")
        return int(ExitStatus.OK)
    return int(_run(arguments, io))


def _run(arguments: list[str], io: IO) -> int:
    show_traceback = "--traceback" in arguments
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as done:  # --help and --version
            return int(done.code or 0)
        if args.command is None:
            parser.print_help(io.err)
            return ExitStatus.USAGE
        return int(args.run(args, io))
    except UsageError as error:
        io.err.write(f"{error}\n")
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        io.err.write("interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as error:
        if show_traceback:
            raise
        io.err.write(
            f"delegopts: internal error: {type(error).__name__}: {error}\n"
            "(run again with --traceback and report it)\n"
        )
        return ExitStatus.INTERNAL
