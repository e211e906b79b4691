"""Write the shell completions (bash, zsh, fish) and the man page from the argument parser.

Run by the build (``setup.py``'s ``build_shell_data`` step), or by hand:
``python tools/gen_shell_data.py OUTDIR``. shtab writes the completion scripts and
argparse-manpage the man page, both from ``delegopts.cli._main.build_parser`` of this
source tree, so they list exactly the commands and options that the parser accepts.
Building the parser needs only the standard library (``tests/test_distribution.py``
checks it), so the build environment needs nothing of delegopts' own dependencies.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this tree's delegopts, whatever else is installed

from delegopts.cli.completion_cmd import SHARE  # noqa: E402 - after the path is set

#: where each file goes under the installation prefix (where bash-completion, zsh, fish
#: and man look for them, and where ``delegopts completion`` finds them), and what writes
#: it: a shell for shtab, or "man"
OUTPUTS = {relative: kind for kind, relative in SHARE.items()}

# Arguments that name a file (or a BTF source, which is a file or a folder): the shells
# complete paths there. Matched by metavar, so a new option of one of these kinds needs
# nothing here.
_PATH_METAVARS = frozenset({"FILE", "SOURCE", "PATH", "INPUT"})


def _parser() -> argparse.ArgumentParser:
    from delegopts.cli._main import build_parser

    return build_parser()


def _mark_paths(parser: argparse.ArgumentParser, complete: object) -> None:
    """Tell shtab which arguments are paths (it reads ``action.complete``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_paths(sub, complete)
        elif action.metavar in _PATH_METAVARS:
            action.complete = complete  # type: ignore[attr-defined]


def _man_page(parser: argparse.ArgumentParser) -> str:
    from argparse_manpage.manpage import Manpage

    from delegopts import __version__

    page = Manpage(parser)
    # argparse-manpage's documented way to set the header: its attributes
    page.source = f"delegopts {__version__}"
    page.manual = "User Commands"
    page.description = parser.description
    # A help text wrapped so that a line starts with an apostrophe ('delegopts names ...')
    # would read as a roff request: \& before it makes it text.
    return re.sub(r"^'", r"\\&'", str(page), flags=re.MULTILINE)


def generate(out: Path) -> list[Path]:
    """Write every file of :data:`OUTPUTS` under ``out``; their paths."""
    import shtab

    parser = _parser()
    _mark_paths(parser, shtab.FILE)
    written = []
    for relative, kind in OUTPUTS.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _man_page(parser) if kind == "man" else shtab.complete(parser, shell=kind)
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/gen_shell_data.py OUTDIR")
    for path in generate(Path(sys.argv[1])):
        print(path)
