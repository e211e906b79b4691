"""The name history table is what tools/gen_name_history.py makes from the real kernels."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from kernels import SHARED
from lintdata import catalog

from delegopts.catalog import OptionKind
from delegopts.history import VERSIONS
from delegopts.lint import first_kernel_with

ROOT = Path(__file__).resolve().parents[2]


def test_generated_module_is_up_to_date() -> None:
    folder = SHARED / "kernels"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    spec = importlib.util.spec_from_file_location("gen", ROOT / "tools" / "gen_name_history.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = (ROOT / "delegopts" / "_name_history.py").read_text()
    assert module.generate(folder) == expected


@pytest.mark.parametrize("version", VERSIONS)
def test_every_name_of_a_kernel_is_known_from_that_kernel_on(version: str) -> None:
    target = catalog(version)
    for kind in OptionKind:
        for name in target[kind].names:
            first = first_kernel_with(kind, name.name)
            assert first is not None and VERSIONS.index(first) <= VERSIONS.index(version)


@pytest.mark.parametrize(
    ("kind", "name", "first"),
    [
        (OptionKind.CMDS, "token_create", "6.12.107"),
        (OptionKind.CMDS, "prog_stream_read_by_fd", "6.18.44"),
        (OptionKind.CMDS, "common_attrs", "7.2.13"),
        (OptionKind.MAPS, "ARENA", "6.12.107"),
        (OptionKind.ATTACHS, "trace_uprobe_session", "6.18.44"),
        (OptionKind.PROGS, "netfilter", "6.12.107"),
        (OptionKind.PROGS, "prog_load", None),
    ],
)
def test_first_kernel_with(kind: OptionKind, name: str, first: str | None) -> None:
    assert first_kernel_with(kind, name) == first
