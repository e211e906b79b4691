"""``show``'s other forms: raw columns, a mount-point filter, and bpftool's JSON.

The bpftool form is compared with the real ``bpftool -j token list`` (Debian unstable's,
run with its own loader) over bpffs mounts made for the test, where root may mount.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from delegopts.cli import main

MOUNTINFO = str(Path(__file__).resolve().parents[1] / "data" / "mountinfo-6.18.44")
_K = ["--kernel", "6.18.44"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["show", *_K, "--mountinfo", MOUNTINFO, *argv], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "lines"),
    [
        (["--raw"], [
            "TARGET UID GID MODE CMDS MAPS PROGS ATTACHS",
            "/tmp/dlg/token 1000 1000 0700 map_create:prog_load:btf_load hash:array kprobe:xdp xdp",
            "/tmp/dlg/any 0 0 0777 any any any any",
            "/tmp/dlg/my\\040token 0 0 0777 map_create - socket_filter -",
            "/tmp/dlg/plain 0 0 0777 - - - -",
        ]),
        (["-o", "TARGET,options,warnings"], [
            "TARGET OPTIONS WARNINGS",
            "/tmp/dlg/token uid=1000,gid=1000,mode=700,delegate_cmds=map_create:prog_load:btf_load,"
            "delegate_maps=hash:array,delegate_progs=kprobe:xdp,delegate_attachs=xdp 3",
            "/tmp/dlg/any delegate_cmds=any,delegate_maps=any,delegate_progs=any,"
            "delegate_attachs=any 3",
            "/tmp/dlg/my\\040token delegate_cmds=map_create,delegate_progs=socket_filter 3",
            "/tmp/dlg/plain - 0",
        ]),
        (["--raw", "-o", "target", "/tmp/dlg/plain", "/tmp/dlg/my token"], [
            "TARGET", "/tmp/dlg/my\\040token", "/tmp/dlg/plain",
        ]),
    ],
)  # fmt: skip
def test_raw_columns(argv: list[str], lines: list[str]) -> None:
    assert run(*argv) == (0, "\n".join(lines) + "\n", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "target,nope"], "delegopts show: -o: unknown column 'nope'; columns: target,"),
        (["--json", "--raw"], "delegopts show: choose one output form, not json and raw"),
        (["--json", "-o", "target"], "delegopts show: -o COLUMNS goes with --raw"),
    ],
)
def test_usage_errors(argv: list[str], message: str) -> None:
    status, out, err = run(*argv)
    assert (status, out) == (2, "") and err.startswith(message)


def test_bpftool_form() -> None:
    status, out, err = run("--format", "bpftool")
    assert (status, err) == (0, "")
    assert json.loads(out) == [
        {"token_info": "/tmp/dlg/token", "allowed_cmds": ["map_create", "prog_load", "btf_load"],
         "allowed_maps": ["hash", "array"], "allowed_progs": ["kprobe", "xdp"],
         "allowed_attachs": ["xdp"]},
        {"token_info": "/tmp/dlg/any", "allowed_cmds": ["any"], "allowed_maps": ["any"],
         "allowed_progs": ["any"], "allowed_attachs": ["any"]},
        {"token_info": "/tmp/dlg/my token", "allowed_cmds": ["map_create"], "allowed_maps": [],
         "allowed_progs": ["socket_filter"], "allowed_attachs": []},
    ]  # fmt: skip
    assert out.startswith('[{"token_info":"/tmp/dlg/token","allowed_cmds":["map_create",')


@pytest.mark.live
def test_bpftool_form_is_what_bpftool_prints(tmp_path: Path) -> None:
    from debian import package

    bpftool = package("bpftool") / "usr/sbin/bpftool"
    libc = package("libc6") / "usr/lib/x86_64-linux-gnu"
    command = [str(libc / "ld-linux-x86-64.so.2"), "--library-path", str(libc), str(bpftool)]
    mounts = {
        tmp_path / "a": "delegate_cmds=prog_load:map_create,delegate_maps=hash:0x40000000000",
        tmp_path / "b b": "delegate_progs=any,delegate_attachs=xdp:cgroup_inet_ingress,uid=7",
        tmp_path / "c": "mode=0700",
    }
    made = []
    try:
        for point, options in mounts.items():
            point.mkdir()
            subprocess.run(["mount", "-t", "bpf", "bpffs", str(point), "-o", options], check=True)
            made.append(point)
        done = subprocess.run([*command, "-j", "token", "list"], capture_output=True, text=True,
                              check=False)  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"bpftool token list does not run here: {done.stderr.strip()}")
        theirs = [e for e in json.loads(done.stdout) if e["token_info"].startswith(str(tmp_path))]
        out = io.StringIO()
        argv = ["show", "--format", "bpftool", *map(str, mounts)]
        assert main(argv, stdout=out, stderr=io.StringIO()) == 0
        assert json.loads(out.getvalue()) == theirs
        assert len(theirs) == 2  # bpftool, like delegopts here, leaves out mode-only mounts
    finally:
        for point in reversed(made):
            subprocess.run(["umount", str(point)], check=False)


def _show_json(path: Path) -> list[dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    assert main(["show", *_K, "--mountinfo", str(path), "--json"], stdout=out, stderr=err) == 0
    mounts: list[dict[str, object]] = json.loads(out.getvalue())["mounts"]
    return mounts


def test_repeated_option_strings_show_as_when_alone(tmp_path: Path) -> None:
    """A fleet's mountinfo repeats a few option strings, and more distinct ones than show
    remembers at once: every mount is described as it is when its line is the only one."""
    strings = [
        "rw,delegate_cmds=map_create:prog_load,delegate_progs=xdp:kprobe",
        "rw,uid=1000,gid=1000,mode=700,delegate_cmds=any,delegate_maps=hash",
        "rw,relatime",
    ] + [f"rw,uid={uid},delegate_attachs=xdp" for uid in range(300)]
    lines = [
        f"{n + 30} 29 0:{n + 40} / /run/c/{n} rw,relatime shared:{n} - bpf bpffs "
        + strings[n % 3 if n % 2 else 3 + n // 2 % 300]
        for n in range(700)
    ]
    whole = tmp_path / "mountinfo"
    whole.write_text("\n".join(lines) + "\n")
    shown = _show_json(whole)
    assert len(shown) == len(lines)
    for n in (*range(12), 350, 351, 600, 601, 698, 699):
        alone = tmp_path / f"mountinfo-{n}"
        alone.write_text(lines[n] + "\n")
        assert shown[n]["line"] == n + 1
        assert _placeless(shown[n]) == _placeless(_show_json(alone)[0])


def _placeless(value: object) -> object:
    """``value`` without the file and line it was read at (which differ on purpose)."""
    if isinstance(value, dict):
        return {k: _placeless(v) for k, v in value.items() if k not in ("file", "line")}
    if isinstance(value, list):
        return [_placeless(item) for item in value]
    return value
