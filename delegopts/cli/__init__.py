"""The ``delegopts`` command line: ``main(argv) -> int``, never a traceback by default.

Each command is a module here with ``register(subparsers)`` and ``run(args, io) -> int``;
the parser and the dispatch live in ``_main``, imported only past the ``--version`` fast
path, and heavy imports (lark, rich) happen inside the commands that need them.

>>> import io
>>> out, err = io.StringIO(), io.StringIO()
>>> main(["--version"], stdout=out, stderr=err), out.getvalue().strip()
(0, 'delegopts 0.1.0')
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing costs --version more than all else
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TextIO

    from delegopts.cli._common import ExitStatus

__all__ = ["ExitStatus", "main"]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit status (see :class:`ExitStatus`).

    The process's own streams (those not given) read and write bytes that are not UTF-8
    as they are (``surrogateescape``), whatever the locale says.
    """
    for given, stream in ((stdout, sys.stdout), (stderr, sys.stderr), (stdin, sys.stdin)):
        if given is None and stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    out, err = stdout or sys.stdout, stderr or sys.stderr
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        if arguments in (["--version"], ["-V"]):  # fast path: no parser, no other imports
            from delegopts import __version__

            out.write(f"delegopts {__version__}\n")
            return 0
        from delegopts.cli._common import IO
        from delegopts.cli._main import run
    except KeyboardInterrupt:  # Ctrl-C while the modules load: no traceback
        err.write("interrupted\n")
        return 130
    return int(run(arguments, IO(out, err, stdin or sys.stdin)))


def __getattr__(name: str) -> Any:
    if name == "ExitStatus":
        from delegopts.cli._common import ExitStatus

        return ExitStatus
    raise AttributeError(f"module 'delegopts.cli' has no attribute {name!r}")
