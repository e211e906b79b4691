"""The wheel holds every package, the grammars and the snapshots.

A package missing from pyproject's list still imports from a source checkout and from an
editable install, and only breaks ``pip install .``: these tests catch that here.
"""

from __future__ import annotations

import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _listed() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_directory_is_listed() -> None:
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "delegopts").rglob("__init__.py")
    }
    assert found <= _listed()
    assert {"delegopts.grammars", "delegopts.btfdata"} <= _listed()


@pytest.mark.parametrize(
    ("package", "suffix"),
    [
        ("delegopts.grammars", ".lark"),
        ("delegopts.grammars", "_tables.py"),
        ("delegopts.btfdata", ".btf"),
    ],
)
def test_data_is_reachable_as_package_resources(package: str, suffix: str) -> None:
    names = [entry.name for entry in resources.files(package).iterdir()]
    assert any(name.endswith(suffix) for name in names), names


def test_built_wheel_contents(tmp_path: Path) -> None:
    """Build the wheel (no network: setuptools is already installed) and look inside."""
    build = pytest.importorskip("setuptools.build_meta")
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        wheel = build.build_wheel(str(tmp_path))
    finally:
        os.chdir(cwd)
    names = set(zipfile.ZipFile(tmp_path / wheel).namelist())
    for required in (
        "delegopts/cli/__init__.py",
        "delegopts/cli/_main.py",
        "delegopts/formats/__init__.py",
        "delegopts/lint/__init__.py",
        "delegopts/py.typed",
        "delegopts/btfdata/6.18.44.btf",
        "delegopts/btfdata/README.md",
    ):
        assert required in names
    # every grammar and the parse tables compiled from it (without them, each process
    # would fall back to building the parser with Lark: correct, but slow to start)
    grammars = sorted(path.name for path in (ROOT / "grammars").iterdir() if path.is_file())
    assert any(name.endswith("_tables.py") for name in grammars)
    assert {f"delegopts/grammars/{name}" for name in grammars} <= names
    # the command: a script whose first line the installer points at its interpreter,
    # importing nothing before delegopts.cli (no generated wrapper's import re)
    script = zipfile.ZipFile(tmp_path / wheel).read(
        f"{wheel.split('-py3')[0]}.data/scripts/delegopts"
    )
    lines = script.decode().splitlines()
    assert lines[0] == "#!python"
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    assert imports == ["import sys", "from delegopts.cli import main"]


def test_package_files_read_without_a_loader_that_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loader with no get_data (exotic importers): the same bytes, via importlib.resources."""
    import delegopts.grammars
    from delegopts.grammar.resources import read_bytes

    class _NoGetData:  # the package's own loader, less get_data
        def __init__(self, inner: object) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> object:
            if name == "get_data":
                raise AttributeError(name)
            return getattr(self._inner, name)

    direct = read_bytes("delegopts.grammars", "options.lark")
    spec = delegopts.grammars.__spec__
    monkeypatch.setattr(spec, "loader", _NoGetData(spec.loader))
    assert read_bytes("delegopts.grammars", "options.lark") == direct
    assert direct == (ROOT / "grammars" / "options.lark").read_bytes()
