"""The library's public face: every name ``delegopts`` exports, values that pickle, and an
API reference built from the docstrings (pdoc)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from kernels import catalog

import delegopts

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("name", delegopts.__all__)
def test_every_exported_name_imports(name: str) -> None:
    value = getattr(delegopts, name)
    assert value is not None
    if name != "__version__":  # each name is defined where _EXPORTS says, not re-made
        assert getattr(value, "__module__", "").startswith("delegopts")


def test_the_library_does_what_check_does() -> None:
    target = delegopts.Catalog.snapshot("6.18.44")
    report = delegopts.check_file(DATA / "fstab", target, policy=delegopts.Policy(
        frozenset(delegopts.parse_codes(["D501", "D502"]))))  # fmt: skip
    assert [(f.code.value, f.line, f.column) for f in report.findings] == [
        ("D101", 15, 39), ("D407", 15, 56), ("EINVAL", 16, 52), ("F103", 20, 25),
    ]  # fmt: skip
    assert report.failed()
    options = delegopts.parse("delegate_cmds=prog_load,delegate_progs=xdp", target)
    assert [d.code.value for d in delegopts.lint_options(options)] == ["D405", "D501"]
    lines, lost = delegopts.to_systemd(options)
    assert "BPFDelegateCommands=BPFProgLoad" in lines and lost == []


def test_values_pickle_and_compare_equal() -> None:
    options = delegopts.parse("delegate_cmds=any,uid=5,delegate_cmd=x", catalog("6.18.44"))
    again = pickle.loads(pickle.dumps(options))
    assert again == options and str(again) == str(options)
    assert again.diagnostics == options.diagnostics
    assert again.catalog.label == "6.18.44" and again.cmds.names == options.cmds.names
    report = delegopts.check_options("delegate_cmds=prog_lod", catalog("6.18.44"))
    assert pickle.loads(pickle.dumps(report.findings)) == report.findings


def test_the_api_reference_builds(tmp_path: Path) -> None:
    pytest.importorskip("pdoc", reason="pdoc builds the API reference")
    done = subprocess.run(
        [sys.executable, "-m", "pdoc", "delegopts", "-o", str(tmp_path), "--no-search"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "delegopts.html").read_text()
    for name in ("parse", "check_file", "Catalog", "Diagnostic", "Policy"):
        assert name in page
