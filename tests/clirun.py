"""Run the CLI in-process, with its own streams and a given standard input."""

from __future__ import annotations

import io
import sys

from delegopts.cli import main


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``delegopts ARGV``."""
    out, err = io.StringIO(), io.StringIO()
    saved, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        status = main(list(argv), stdout=out, stderr=err)
    finally:
        sys.stdin = saved
    return status, out.getvalue(), err.getvalue()
