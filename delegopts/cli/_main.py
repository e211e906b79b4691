"""The argument parser and the dispatch to one module per command."""

from __future__ import annotations

import argparse

from delegopts.cli._common import IO, ExitStatus, HelpFormatter, UsageError
from delegopts.errors import BTFError

__all__ = ["build_parser", "run"]

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
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"delegopts {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of unexpected errors"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMANDS:
        import_module(f"delegopts.cli.{name.replace('-', '_')}_cmd").register(commands)
    return parser


def run(arguments: list[str], io: IO) -> int:
    """Parse ``arguments`` and run the command; every failure becomes an exit status.

    Commands let :class:`~delegopts.errors.BTFError` and ``FileNotFoundError`` through:
    both are reported here, once, as unreadable input (exit status 3).
    """
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
    except (BTFError, FileNotFoundError) as error:
        # Any command: the target kernel's BTF, or an input file, cannot be read.
        io.err.write(f"delegopts: {error}\n")
        return ExitStatus.UNREADABLE
    except Exception as error:
        if show_traceback:
            raise
        io.err.write(
            f"delegopts: internal error: {type(error).__name__}: {error}\n"
            "(run again with --traceback and report it)\n"
        )
        return ExitStatus.INTERNAL
