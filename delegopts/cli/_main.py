"""The argument parser and the dispatch to one module per command."""

from __future__ import annotations

import argparse
import sys
from contextvars import ContextVar

from delegopts.cli._common import (
    IO,
    ExitStatus,
    HelpFormatter,
    UsageError,
    fresh_stdin,
    reset_stdin,
)
from delegopts.display import printable
from delegopts.errors import BTFError, InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from _typeshed import SupportsWrite

__all__ = ["build_parser", "run"]

_COMMANDS = (
    "format", "check", "rules", "show", "explain", "diff", "btf", "names", "derive", "completion",
)  # fmt: skip

_EPILOG = """\
examples:
  $ delegopts show
  $ delegopts check 'delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe'
  $ delegopts explain 'delegate_cmds=any,delegate_progs=0x1'
  $ delegopts format --to systemd 'delegate_cmds=prog_load'
  $ delegopts format --btf /sys/kernel/btf/vmlinux --json -f options.txt
  $ delegopts COMMAND --help

exit status: 0 valid, 1 invalid input, 2 usage error, 3 unreadable BTF or file,
4 internal error (a bug: run again with --traceback and report it), 130 interrupted
"""


#: The streams of the run in progress: argparse writes help and --version to sys.stdout.
_streams: ContextVar[IO] = ContextVar("delegopts_cli_streams")


class _Parser(argparse.ArgumentParser):
    """Our parser: usage errors raised, help to the run's streams, our help formatter.

    Every command's parser is one (``add_subparsers`` makes its kind), so they all get
    :class:`HelpFormatter` unless they ask for another.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        streams = _streams.get(None)
        if streams is None or not message:
            super()._print_message(message, file)
        else:
            (streams.out if file is sys.stdout else streams.err).write(message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``only`` that one command's (its module alone imported).

    Every command's module is imported to register it; a run of one command needs only
    its own, which saves them all at start-up. Help and errors about the command itself
    come out the same; the top-level help (no command given) lists them all.
    """
    from importlib import import_module

    from delegopts import __version__

    parser = _Parser(
        prog="delegopts",
        description="Parse, validate, explain and format bpffs BPF token delegation options.",
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"delegopts {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of unexpected errors"
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="settings (kernel, btf, kernel-release, ignore, strict, systemd) from this TOML "
        "file ('-': standard input); by default delegopts.toml or [tool.delegopts] in "
        "pyproject.toml, here or above",
    )
    parser.add_argument("--no-config", action="store_true", help="read no settings file")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in (only,) if only in _COMMANDS else _COMMANDS:
        import_module(f"delegopts.cli.{name.replace('-', '_')}_cmd").register(commands)
    return parser


def _command_named(arguments: list[str]) -> str | None:
    """The command the arguments run: the first that is not an option (none takes a value)."""
    return next((argument for argument in arguments if not argument.startswith("-")), None)


def run(arguments: list[str], io: IO) -> int:
    """Parse ``arguments`` and run the command; every failure becomes an exit status.

    Commands let :class:`~delegopts.errors.BTFError` and
    :class:`~delegopts.errors.InputError` through: both are reported here, once, as
    unreadable input (exit status 3).
    """
    # --traceback, --config FILE and --no-config are global: accepted before or after the
    # command (not after '--')
    end = arguments.index("--") if "--" in arguments else len(arguments)
    show_traceback = "--traceback" in arguments[:end]
    no_config = "--no-config" in arguments[:end]
    config, head = _take_config(arguments[:end])
    arguments = [a for a in head if a not in ("--traceback", "--no-config")] + arguments[end:]
    token = _streams.set(io)
    unread = fresh_stdin()
    try:
        parser = build_parser(_command_named(arguments))
        try:
            args = parser.parse_args(arguments)
        except SystemExit as done:  # --help and --version
            return int(done.code or 0)
        if not no_config:
            _settings(args, config, io)
        # what follows '--' is literal: check reads it as option strings, never as files
        args.after_dashes = arguments[arguments.index("--") + 1 :] if "--" in arguments else []
        if args.command is None:
            parser.print_help(io.err)
            return ExitStatus.USAGE
        return int(args.run(args, io))
    except UsageError as error:
        io.err.write(f"{printable(str(error))}\n")
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        io.err.write("interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): what it wanted was written. Point stdout at
        # /dev/null so that the interpreter's last flush does not fail again at exit.
        _quiet_stdout(io)
        return ExitStatus.OK
    except (BTFError, InputError) as error:
        # Any command: the target kernel's BTF, or an input file, cannot be read.
        io.err.write(f"delegopts: {printable(str(error))}\n")
        return ExitStatus.UNREADABLE
    except Exception as error:
        if show_traceback:
            raise
        io.err.write(
            f"delegopts: internal error: {type(error).__name__}: {printable(str(error))}\n"
            "(run again with --traceback and report it)\n"
        )
        return ExitStatus.INTERNAL
    finally:
        reset_stdin(unread)
        _streams.reset(token)


def _quiet_stdout(io: IO) -> None:
    import os

    if io.out is not sys.stdout:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _take_config(arguments: list[str]) -> tuple[str | None, list[str]]:
    """``--config FILE`` (or ``--config=FILE``) out of the arguments, and the rest."""
    rest: list[str] = []
    config = None
    words = iter(arguments)
    for word in words:
        if word == "--config":
            config = next(words, None)
            if config is None:
                raise UsageError("delegopts: --config needs a FILE")
        elif word.startswith("--config="):
            config = word.removeprefix("--config=")
        else:
            rest.append(word)
    return config, rest


def _settings(args: argparse.Namespace, config: str | None, io: IO) -> None:
    """Apply a settings file: the one named by --config, else the nearest one found
    (``--config -``: standard input, which nothing else may then read)."""
    import os

    from delegopts.cli._common import take_stdin
    from delegopts.cli.config import (
        apply_settings,
        find_settings,
        read_settings,
        settings_from_text,
    )

    if config == "-":
        text = take_stdin(io, "the settings (--config -)").read()
        apply_settings(args, settings_from_text(text, "<stdin>"))
        return
    if config:
        from pathlib import Path

        path: Path | None = Path(config)
    else:
        path = find_settings(os.getcwd())
    if path is not None:
        apply_settings(args, read_settings(path))
