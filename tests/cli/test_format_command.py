"""``delegopts format`` run in-process: stdout, stderr and the exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from kernels import names_btf

from delegopts.cli import main


@pytest.fixture(scope="module")
def btf618(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("btf") / "6.18.44.btf"
    path.write_bytes(names_btf("6.18.44"))
    return str(path)


def run(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        import sys

        saved, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            status = main(list(argv), stdout=out, stderr=err)
        finally:
            sys.stdin = saved
    else:
        status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


CASES = [
    (["delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe"], 0,
     "delegate_cmds=map_create:prog_load,delegate_progs=kprobe\n", ""),
    (["delegate_cmds=0x8000000000000000"], 0, "\n",
     "warning: D203 '0x8000000000000000' sets bits 0x8000000000000000 beyond kernel BTF's "
     "commands (any = 0x3fffffffff): stored, never shown, never used (column 15); remove it: it "
     "delegates nothing here\nwarning: D202 'delegate_cmds=0x8000000000000000' delegates "
     "nothing (column 15); remove 'delegate_cmds' or give it names\n"),
    (["delegate_cmds=prog_lod"], 1, "",
     "error: EINVAL: delegate_cmds: 'prog_lod' is not a command of kernel BTF, nor 'any', nor a "
     "number (column 15); did you mean 'prog_load'?\n  delegate_cmds=prog_lod\n"
     "                ^^^^^^^^\n"),
    (["uid=1", "mode=8"], 1, "uid=1\n",
     "error: EINVAL: bad value for 'mode' (needs an octal number): '8' is not an octal digit "
     "(column 6)\n  mode=8\n       ^\n"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "status", "stdout", "stderr"), CASES)
def test_format(btf618: str, argv: list[str], status: int, stdout: str, stderr: str) -> None:
    actual = run("format", "--btf", btf618, *argv)
    assert actual == (status, stdout, stderr.replace("kernel BTF", f"kernel {btf618}"))


def test_json_lines_from_a_file(btf618: str, tmp_path: Path) -> None:
    listing = tmp_path / "opts.txt"
    listing.write_text("delegate_cmds=prog_load:0x1\n\ndelegate_cmds=ANY\n")
    status, out, err = run("format", "--btf", btf618, "--jsonl", "-f", str(listing))
    assert (status, err) == (1, "")
    first, second = (json.loads(line) for line in out.splitlines())
    assert (first["command"], first["schema"]) == ("format", 2)
    status, out, err = run("format", "--btf", btf618, "--json", "-f", str(listing))
    document = json.loads(out)
    assert (document["command"], document["kernel"]) == ("format", first["kernel"])
    assert document["results"] == [
        {k: v for k, v in r.items() if k not in ("command", "delegopts", "schema", "kernel")}
        for r in (first, second)
    ]
    assert first["ok"] is True and first["options"] == "delegate_cmds=map_create"
    assert first["line"] == 1 and first["errno"] is None
    assert [d["code"] for d in first["diagnostics"]] == ["D201"]
    assert second["ok"] is False and second["options"] is None and second["line"] == 3
    assert second["errno"] == "EINVAL" and second["column"] == 15
    assert second["error"].startswith("EINVAL: delegate_cmds: 'ANY' is not 'any'")
    assert set(first) >= {"input", "ok", "options", "errno", "error", "diagnostics"}


def test_file_errors_name_the_line(btf618: str) -> None:
    status, out, err = run("format", "--btf", btf618, "-f", "-", stdin="uid=1\nuid=x\n")
    assert (status, out) == (1, "uid=1\n")
    assert err.startswith("-:2: error: EINVAL: bad value for 'uid'")


@pytest.mark.parametrize(
    ("argv", "status", "stderr_start"),
    [
        (["format"], 2, "delegopts format: give option strings or -f FILE"),
        (["format", "--btf", "/nonexistent", "x"], 3, "delegopts: /nonexistent: cannot read"),
        (["format", "-f", "/nonexistent"], 3, "delegopts: /nonexistent: cannot read"),
        (["frobnicate"], 2, "delegopts: argument COMMAND: invalid choice"),
    ],
)
def test_usage_and_unreadable_input(argv: list[str], status: int, stderr_start: str) -> None:
    actual_status, out, err = run(*argv)
    assert (actual_status, out) == (status, "")
    assert err.startswith(stderr_start)


def test_truncated_btf_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.btf"
    broken.write_bytes(names_btf("6.18.44")[:20])
    status, out, err = run("format", "--btf", str(broken), "uid=1")
    assert (status, out) == (3, "")
    assert err == f"delegopts: {broken}: too short for a BTF header (20 of 24 bytes) at byte 20\n"
