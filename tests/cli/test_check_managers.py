"""``check`` and ``show`` on Incus and LXD configurations and on mount listings, by content.

The files are those of tests/data/incus, tests/data/lxd and tests/data/mount-output, given
without --incus, --lxd or --mountinfo: each is recognised by what it holds.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from kernels import names_btf

from delegopts.cli import main

DATA = Path(__file__).parents[1] / "data"
QUIET = ("--ignore", "D402,D403,D404,D405,D406,D408,D409,D501,D502,D503,D505")


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "6.18.44.btf").write_bytes(names_btf("6.18.44"))
    monkeypatch.chdir(DATA)
    return tmp_path


def run(*argv: str, btf: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main([argv[0], "--btf", str(btf / "6.18.44.btf"), *argv[1:]], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("name", "strings"),
    [
        ("incus/test-suite-bpf-tokens.sh", 7),
        ("incus/doc-bpf-tokens.config-set.sh", 1),
        ("incus/doc-bpf-tokens.keys", 1),
        ("incus/doc-bpf-tokens.mount", 1),
        ("incus/config-show.yaml", 1),
        ("incus/config-edit.yaml", 1),
        ("incus/profile-show.yaml", 1),
        ("incus/list.yaml", 2),
        ("incus/list.json", 2),
        ("incus/query-instance.json", 1),
        ("lxd/doc-bpf.sh", 1),
        ("lxd/doc-bpf.mount", 1),
        ("lxd/config-show.yaml", 1),
        ("lxd/profile-show.yaml", 1),
        ("lxd/metadata-examples.keys", 1),
        ("mount-output/mount.txt", 3),
        ("mount-output/findmnt.txt", 3),
        ("mount-output/findmnt-list.txt", 3),
        ("mount-output/findmnt-raw.txt", 3),
        ("mount-output/findmnt-pairs.txt", 3),
        ("mount-output/findmnt.json", 3),
    ],
)
def test_real_configurations_check_without_error(name: str, strings: int, workdir: Path) -> None:
    status, out, err = run("check", name, *QUIET, btf=workdir)
    assert status == 0, err
    assert len(out.splitlines()) == strings
    assert " error: " not in err
    plural = "s" if strings != 1 else ""
    assert err.splitlines()[-1].startswith(f"{strings} option string{plural} checked")


def test_lxd_documented_example_lacks_btf_load(workdir: Path) -> None:
    status, out, err = run("check", "lxd/doc-bpf.sh", *QUIET, btf=workdir)
    assert (status, out) == (
        0,
        "lxd/doc-bpf.sh:6: LXD instance bpf-experiments (lxc commands): delegate_cmds=map_create:"
        "prog_load,delegate_maps=ringbuf,delegate_progs=socket_filter,delegate_attachs="
        "cgroup_inet_ingress\n",
    )
    assert err == (
        "lxd/doc-bpf.sh:8:64: warning: F409 prog_load without btf_load: libbpf's BPF_BTF_LOAD "
        'with the token fails (EPERM), it reports "Kernel doesn\'t support BTF" and loads '
        "programs without BTF; those that need it fail; add btf_load: "
        "prog_load:map_create:btf_load\n"
        "  lxc config set bpf-experiments security.delegate_bpf.cmd_types=prog_load:map_create\n"
        + " " * 65
        + "^" * 20
        + "\n"
        "1 option string checked: 1 warning\n"
    )


def test_incus_refusal_says_when_incus_fails(workdir: Path, tmp_path: Path) -> None:
    config = tmp_path / "c1.yaml"
    config.write_text('config:\n  security.bpffs.delegate_cmds: "map_create, prog_atach"\n')
    status, _, err = run("check", str(config), *QUIET, btf=workdir)
    assert status == 1
    assert f"{config}:2:46: error: EINVAL delegate_cmds: 'prog_atach' is not a command" in err
    assert (
        f"{config}:2:46: info: F405 Incus takes this value when it is set; the container then "
        "fails to start: 'Failed to set delegate_cmds=map_create:prog_atach on bpf fs: invalid "
        "argument'" in err
    )


@pytest.mark.parametrize(
    ("text", "flag", "message"),
    [
        ("limits.cpu: '2'\n", "--incus",
         "1:1: info: F105 no security.bpffs.delegate_* key in this Incus configuration"),
        ("limits.cpu: '2'\n", "--lxd",
         "1:1: info: F105 no security.delegate_bpf key in this LXD configuration"),
        ("proc /proc proc defaults 0 0\n", "--fstab",
         "1:1: info: F105 no bpffs entry in this fstab: nothing is checked (1 other filesystem)"),
    ],
)  # fmt: skip
def test_nothing_to_check_is_said(
    text: str, flag: str, message: str, workdir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "input"
    path.write_text(text)
    status, out, err = run("check", flag, str(path), btf=workdir)
    assert (status, out) == (0, "")
    assert f"{path}:{message}" in err and err.endswith("0 option strings checked: 1 info\n")


def test_show_reads_findmnt_output(workdir: Path) -> None:
    status, out, _ = run("show", "--mountinfo", "mount-output/findmnt.json", btf=workdir)
    assert status == 0
    assert [line for line in out.splitlines() if line.startswith("/")] == [
        "/tmp/dlg-listing/incus",
        "/tmp/dlg-listing/lxd",
        "/tmp/dlg-listing/my token",
    ]
    assert "  owner       uid 1000000, gid 1000000" in out.splitlines()


def test_names_from_the_input_never_reach_the_terminal_raw(workdir: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text('name: "c\\e[2J"\nconfig:\n  security.bpffs.delegate_cmds: "a\\e[31m"\n')
    _, out, err = run("check", str(config), btf=workdir)
    assert "\x1b" not in out + err and "c\\033[2J" not in out
    config.write_text('name: "c\\e[2J"\nconfig:\n  security.bpffs.delegate_cmds: btf_load\n')
    _, out, err = run("check", str(config), btf=workdir)
    assert "\x1b" not in out + err and "settings c\\033[2J (YAML)" in out


def test_stdin_is_read_as_what_it_holds(workdir: Path) -> None:
    """`incus config show c1 | delegopts check -`, `findmnt | delegopts check -`..."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    try:
        for name, expected in (
            ("lxd/config-show.yaml", "<stdin>:11: LXD instance (YAML): delegate_cmds="),
            ("mount-output/findmnt-raw.txt", "<stdin>:2: findmnt row of /tmp/dlg-listing/incus"),
        ):
            sys.stdin = io.StringIO((DATA / name).read_text())
            btf = str(workdir / "6.18.44.btf")
            assert main(["check", "--btf", btf, "-", *QUIET], stdout=out, stderr=err) == 0
            assert out.getvalue().startswith(expected)
            out.seek(0)
            out.truncate()
    finally:
        sys.stdin = saved
