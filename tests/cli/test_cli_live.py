"""The live kernel: mount bpffs with delegation, then ``delegopts show --json`` must report
exactly what was mounted, and ``check`` must have predicted it. Needs root; skips elsewhere.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegopts.catalog import Catalog
from delegopts.cli import main
from delegopts.semantics import parse

pytestmark = pytest.mark.live  # tests/conftest.py skips these where bpffs cannot be mounted
OPTIONS = (
    "delegate_cmds=prog_load:MAP_CREATE:btf_load,delegate_maps=any,"
    "delegate_progs=kprobe:XDP,delegate_attachs=xdp,uid=1234,gid=5678,mode=0750"
)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """bpffs mounted with OPTIONS on a directory whose name has a blank (an escape)."""
    target = tmp_path / "my token"
    target.mkdir()
    libc = ctypes.CDLL(None, use_errno=True)
    path = os.fsencode(target)
    if libc.mount(b"bpffs", path, b"bpf", 0, OPTIONS.encode()) != 0:
        pytest.fail(f"mount failed: {os.strerror(ctypes.get_errno())}")
    try:
        yield target
    finally:
        libc.umount2(path, 0)


def test_show_json_reports_exactly_what_was_mounted(mounted: Path) -> None:
    status, out, err = _run("show", "--json", "--no-lint")
    assert (status, err) == (0, "")
    report = json.loads(out)
    (record,) = [m for m in report["mounts"] if m["mount_point"] == str(mounted)]
    expected = parse(OPTIONS, Catalog.running_kernel())
    assert report["delegation_supported"] is True
    assert record["owner"] == {"uid": 1234, "gid": 5678} and record["mode"] == "0750"
    assert record["shown"] == str(expected)
    assert {key: value["value"] for key, value in record["delegate"].items()} == {
        "delegate_cmds": "map_create prog_load btf_load",
        "delegate_maps": "any",
        "delegate_progs": "kprobe xdp",
        "delegate_attachs": "xdp",
    }
    for mask in expected:
        granted = record["delegate"][mask.kind.key]
        assert granted["bits"] == f"{mask.effective:#x}"


@pytest.mark.skipif(shutil.which("mount") is None, reason="no mount(8) here")
def test_the_commit_command_line_mounts_what_check_predicted(tmp_path: Path) -> None:
    target = tmp_path / "token"
    target.mkdir()
    command = [
        "mount",
        "-t",
        "bpf",
        "bpffs",
        str(target),
        "-o",
        "delegate_cmds=prog_load:MAP_CREATE",
        "-o",
        "delegate_progs=kprobe",
        "-o",
        "delegate_attachs=xdp",
    ]
    status, predicted, _ = _run("check", "--no-lint", "--", *command)
    assert status == 0
    subprocess.run(command, check=True)
    try:
        _, out, _ = _run("show", "--json", "--no-lint")
    finally:
        subprocess.run(["umount", str(target)], check=True)
    (record,) = [m for m in json.loads(out)["mounts"] if m["mount_point"] == str(target)]
    assert (
        record["shown"]
        == "delegate_cmds=map_create:prog_load,delegate_progs=kprobe,delegate_attachs=xdp"
    )
    assert predicted.rstrip("\n").endswith(": " + record["shown"])
