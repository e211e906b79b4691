"""One build step that pyproject.toml cannot declare: files generated from the parser.

``build_shell_data`` runs as part of ``build`` (so for wheels and editable installs alike)
and writes the bash, zsh and fish completions and the man page with
``tools/gen_shell_data.py``; ``data_files`` installs them under the prefix's ``share/``.
Everything else about the distribution is in pyproject.toml.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build import build

HERE = Path(__file__).resolve().parent
GENERATED = "build/shell-data"  # relative: setuptools wants data_files relative to here
_TOOL = runpy.run_path(str(HERE / "tools" / "gen_shell_data.py"))


class build_shell_data(Command):  # setuptools names commands in lower case
    """Write the completions and the man page (tools/gen_shell_data.py) for data_files."""

    description = "generate shell completions and the man page from the argument parser"
    user_options: list[tuple[str, str | None, str]] = []  # noqa: RUF012 (setuptools API)
    editable_mode = False

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        _TOOL["generate"](HERE / GENERATED)

    def get_source_files(self) -> list[str]:
        return []

    def get_outputs(self) -> list[str]:
        return []  # installed by install_data, not part of the packages

    def get_output_mapping(self) -> dict[str, str]:
        return {}


class build_with_shell_data(build):
    sub_commands = [*build.sub_commands, ("build_shell_data", None)]  # noqa: RUF012


def _data_files() -> list[tuple[str, list[str]]]:
    folders: dict[str, list[str]] = {}
    for relative in _TOOL["OUTPUTS"]:
        folder, _, _ = relative.rpartition("/")
        folders.setdefault(folder, []).append(f"{GENERATED}/{relative}")
    return sorted(folders.items())


setup(
    cmdclass={"build": build_with_shell_data, "build_shell_data": build_shell_data},
    data_files=_data_files(),
)
