"""``delegopts completion SHELL``: print the completion script installed with delegopts.

The scripts are written from the argument parser when the wheel is built and installed
under the prefix's ``share/`` (:data:`SHARE`), where a system-wide install is found by
the shells. From a virtual environment they are not, so this prints the installed file
for a shell's start-up file or for ``source``. An editable install or a source tree has
none: the command says so, and how to get them, rather than writing a script of its own.
"""

from __future__ import annotations

import argparse
from typing import Any

from delegopts.cli._common import IO, ExitStatus

__all__ = ["SHARE", "find_script", "register", "run"]

#: Where the build installs each generated file, under the installation prefix (where
#: bash-completion, zsh, fish and man look for them).
SHARE = {
    "bash": "share/bash-completion/completions/delegopts",
    "zsh": "share/zsh/site-functions/_delegopts",
    "fish": "share/fish/vendor_completions.d/delegopts.fish",
    "man": "share/man/man1/delegopts.1",
}
SHELLS = ("bash", "zsh", "fish")

_EXAMPLES = """\
examples:
  $ source <(delegopts completion bash)                  # this bash session
  $ delegopts completion bash > ~/.local/share/bash-completion/completions/delegopts
  $ delegopts completion zsh > ~/.zfunc/_delegopts       # a folder on $fpath
  $ delegopts completion fish > ~/.config/fish/completions/delegopts.fish
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "completion",
        help="print the shell completion script installed with delegopts",
        description="Print the bash, zsh or fish completion script that was installed with "
        "delegopts (written from its argument parser when the package was built).",
        epilog=_EXAMPLES,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell")
    parser.set_defaults(run=run)


def _prefixes() -> list[str]:
    """Where an install of this interpreter puts data files: its scheme's, then the usual."""
    import sys
    import sysconfig

    found = [sysconfig.get_path("data"), sys.prefix, "/usr/local", "/usr"]
    return list(dict.fromkeys(found))


def find_script(shell: str, prefixes: list[str] | None = None) -> tuple[str | None, list[str]]:
    """The installed completion script for ``shell``, or None; and the paths looked at."""
    import os

    looked = [os.path.join(prefix, SHARE[shell]) for prefix in prefixes or _prefixes()]
    return next((path for path in looked if os.path.isfile(path)), None), looked


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.display import printable

    path, looked = find_script(args.shell)
    if path is None:
        io.err.write(
            f"delegopts completion: no {args.shell} completion script is installed with this "
            f"delegopts (looked at {', '.join(printable(p) for p in looked)}); an editable "
            "install or a source tree has none: 'pip install .' installs them, or "
            "'python tools/gen_shell_data.py DIR' in the source tree writes them to DIR\n"
        )
        return ExitStatus.UNREADABLE
    with open(path, encoding="utf-8") as script:
        io.out.write(script.read())
    return ExitStatus.OK
