"""The command line run in-process over tables: stdout, stderr and the exit status.

Every run reads the real 6.18.44 kernel's BTF (--btf), from a folder holding it and copies
of tests/data, so file names and the kernel label in the output are short and fixed.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from clirun import run
from kernels import names_btf

from delegopts.cli import _main, main

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(autouse=True)
def workdir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    for version in ("6.1.170", "6.12.107", "6.18.44", "7.2.13"):
        (folder / f"{version}.btf").write_bytes(names_btf(version))
    for item in DATA.iterdir():
        if item.is_dir():
            shutil.copytree(item, folder / item.name)
        else:
            shutil.copy(item, folder / item.name)
    monkeypatch.chdir(folder)
    return folder


K = ("--btf", "6.18.44.btf", "--no-lint")
S = ("--systemd", "262.1")
COMMIT_LINE = [
    "mount",
    "-t",
    "bpf",
    "bpffs",
    "/sys/fs/bpf/token",
    "-o",
    "delegate_cmds=prog_load:MAP_CREATE",
    "-o",
    "delegate_progs=kprobe",
]

CHECK = [
    # the command line of the kernel commit that added symbolic names (6c1752e0b6ca)
    (
        [*K, "--", *COMMIT_LINE],
        0,
        "<command line>:1: mount command line: delegate_cmds=map_create:prog_load,"
        "delegate_progs=kprobe\n",
        "1 option string checked, no findings\n",
    ),
    (
        [*K, "--", *COMMIT_LINE, "-o", "delegate_attachs=xdp"],
        0,
        "<command line>:1: mount command line: delegate_cmds=map_create:prog_load,"
        "delegate_progs=kprobe,delegate_attachs=xdp\n",
        "1 option string checked, no findings\n",
    ),
    (
        [*K, "--", "sudo", "mount", "-t", "bpf", "-o", "noexec,delegate_maps=arary", "bpffs", "/t"],
        1,
        "",
        "<command line>:1:43: error: EINVAL delegate_maps: 'arary' is not a map type of kernel "
        "6.18.44.btf, nor 'any', nor a number; did you mean 'array'?\n"
        "  sudo mount -t bpf -o noexec,delegate_maps=arary bpffs /t\n" + " " * 44 + "^^^^^\n"
        "1 option string checked: 1 error\n",
    ),
    (
        [*K, "-o", "delegate_cmds=prog_load", "-o", "ro,uid=1000"],
        0,
        "-o:1: mount command line: uid=1000,delegate_cmds=prog_load\n",
        "1 option string checked, no findings\n",
    ),
    (
        [*K, "delegate_cmds=prog_load:0x1", "uid=5"],
        0,
        "<argument 1>:1: option string: delegate_cmds=map_create\n"
        "<argument 2>:1: option string: uid=5\n",
        "<argument 1>:1:25: warning: D201 '0x1' replaces the mask: 'prog_load' before it is lost; "
        "put the number first (0x1:prog_load) or drop it\n"
        "  delegate_cmds=prog_load:0x1\n"
        "                          ^^^\n"
        "2 option strings checked: 1 warning\n",
    ),
    (
        [*K, "--strict", "delegate_cmds=prog_load:0x1"],
        1,
        "<argument 1>:1: option string: delegate_cmds=map_create\n",
        None,
    ),
    (
        [*K, "--strict", "--ignore", "d201", "delegate_cmds=prog_load:0x1"],
        0,
        "<argument 1>:1: option string: delegate_cmds=map_create\n",
        "1 option string checked, no findings\n",
    ),
    (
        [*K, "--fstab", "fstab"],
        1,
        "fstab:13: fstab entry for /sys/fs/bpf/ci: uid=1000,gid=1000,mode=700,delegate_cmds="
        "map_create:prog_load:btf_load,delegate_maps=hash:array:ringbuf,delegate_progs=kprobe:"
        "tracepoint,delegate_attachs=any\n"
        "fstab:15: fstab entry for /sys/fs/bpf/typo: delegate_progs=xdp\n"
        "fstab:18: fstab entry for /sys/fs/bpf/none: (nothing shown)\n"
        "fstab:19: fstab entry for /sys/fs/bpf/lost: delegate_cmds=map_create,delegate_maps=any\n"
        "fstab:20: fstab entry for /sys/fs/bpf/bad: delegate_cmds=any\n",
        "fstab:15:39: warning: D101 unknown key 'delegate_cmd' is ignored: bpffs knows uid, gid, "
        "mode, delegate_cmds, delegate_maps, delegate_progs, delegate_attachs; did you mean "
        "'delegate_cmds'?\n"
        "  bpffs  /sys/fs/bpf/typo bpf  defaults,delegate_cmd=any,delegate_progs=xdp  0 0\n"
        "                                        ^^^^^^^^^^^^\n"
        "fstab:16:52: error: EINVAL delegate_maps: 'arary' is not a map type of kernel "
        "6.18.44.btf, nor 'any', nor a number; did you mean 'array'?\n"
        "  bpffs  /sys/fs/bpf/My\\040Token  bpf  delegate_maps=arary  0 0\n"
        "                                                     ^^^^^\n"
        "fstab:20:25: error: F103 there is no filesystem type 'bpffs': mount fails with ENODEV; "
        "write 'bpf' as the type\n"
        "  bpffs  /sys/fs/bpf/bad  bpffs  delegate_cmds=any  0 0\n"
        "                          ^^^^^\n"
        "6 option strings checked: 2 errors, 1 warning\n",
    ),
    (
        [*K, "--mountinfo", "mountinfo-6.18.44"],
        0,
        "mountinfo-6.18.44:20: bpffs mount on /tmp/dlg/token: uid=1000,gid=1000,mode=700,"
        "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=hash:array,"
        "delegate_progs=kprobe:xdp,delegate_attachs=xdp\n"
        "mountinfo-6.18.44:21: bpffs mount on /tmp/dlg/any: delegate_cmds=any,delegate_maps=any,"
        "delegate_progs=any,delegate_attachs=any\n"
        "mountinfo-6.18.44:22: bpffs mount on /tmp/dlg/my token: delegate_cmds=map_create,"
        "delegate_progs=socket_filter\n"
        "mountinfo-6.18.44:23: bpffs mount on /tmp/dlg/plain: (nothing shown)\n",
        "4 option strings checked, no findings\n",
    ),
    (
        [*K, *S, "bpf-app.service"],
        0,
        "bpf-app.service:8: systemd 262.1 BPFDelegate*= settings of bpf-app.service: "
        "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=array:ringbuf,"
        "delegate_progs=tracepoint:xdp,delegate_attachs=cgroup_sysctl:xdp\n",
        "units read as systemd 262.1 (--systemd 262.1)\n1 option string checked, no findings\n",
    ),
    (
        # systemd drops the words it does not know and reads on: warnings, not errors
        [*K, *S, "--unit", "bpf-broken.service"],
        0,
        "bpf-broken.service:3: systemd 262.1 BPFDelegate*= settings of bpf-broken.service: "
        "delegate_cmds=map_create,delegate_progs=any\n",
        None,
    ),
    (
        # a continuation line keeps its leading blank, after the blank the backslash becomes
        [*K, *S, "sys-fs-bpf-ci.mount"],
        0,
        "sys-fs-bpf-ci.mount:9: mount unit for /sys/fs/bpf/ci: delegate_cmds=map_create:prog_load,"
        "delegate_maps=hash:ringbuf\n",
        "units read as systemd 262.1 (--systemd 262.1)\n"
        "sys-fs-bpf-ci.mount:9:88: warning: D101 unknown key '  delegate_progs' is ignored: bpffs "
        "knows uid, gid, mode, delegate_cmds, delegate_maps, delegate_progs, delegate_attachs; did "
        "you mean 'delegate_progs'? (keys are case-sensitive)\n"
        "  Options=nosuid,nodev,x-systemd.after=network.target,delegate_cmds=prog_load:map_create,"
        "  delegate_progs=kprobe,delegate_maps=hash:ringbuf\n" + " " * 89 + "^" * 16 + "\n"
        "1 option string checked: 1 warning\n",
    ),
    (
        [*K, "--incus", "incus-config.yaml", "--ignore", "F401"],
        0,
        "incus-config.yaml:3: Incus settings (YAML): delegate_cmds=map_create:obj_get:"
        "link_create,delegate_maps=hash:array:devmap:queue:stack,delegate_progs=socket_filter:"
        "kprobe:cgroup_sysctl,delegate_attachs=any\n",
        "1 option string checked, no findings\n",
    ),
    ([*K, "-"], 1, "<stdin>:1: option string: delegate_cmds=any\n", None),
]


@pytest.mark.parametrize(("argv", "status", "stdout", "stderr"), CHECK)
def test_check(argv: list[str], status: int, stdout: str, stderr: str | None) -> None:
    actual = run("check", *argv, stdin="delegate_cmds=any\n\nuid=x\n")
    assert actual[:2] == (status, stdout)
    if stderr is not None:
        assert actual[2] == stderr


def test_check_broken_unit_names_every_line() -> None:
    status, _, err = run("check", *K, *S, "bpf-broken.service")
    located = [line.split(": ")[0:2] for line in err.splitlines() if line.startswith("bpf-")]
    assert status == 0
    assert located == [
        ["bpf-broken.service:3:1", "warning"],  # F202: no PrivateBPF=
        ["bpf-broken.service:3:34", "warning"],  # F201: bpfprogload dropped
        ["bpf-broken.service:3:46", "warning"],  # F201: prog_load dropped
        ["bpf-broken.service:4:17", "warning"],  # F201: BPFMapTypeArrray dropped
        ["bpf-broken.service:4:17", "warning"],  # F206: so BPFDelegateMaps= is 0
    ]
    assert run("check", *K, *S, "--strict", "bpf-broken.service")[0] == 1


def test_check_json_for_ci() -> None:
    status, out, err = run("check", *K, "--json", "--fstab", "fstab")
    report = json.loads(out)
    assert (status, err, report["schema"], report["ok"]) == (1, "", 2, False)
    assert [p["code"] for p in report["problems"]] == ["F103"]
    inputs = {i["target"]: i for i in report["inputs"]}
    assert inputs["/sys/fs/bpf/My Token"]["ok"] is False
    (refusal,) = inputs["/sys/fs/bpf/My Token"]["problems"]
    assert (refusal["code"], refusal["line"], refusal["column"]) == ("EINVAL", 16, 52)
    assert inputs["/sys/fs/bpf/ci"]["options"]["delegate"]["delegate_attachs"]["any"] is True


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("delegopts.lint") is None, reason="no delegopts.lint"
)
def test_check_prints_lint_findings_and_honours_ignore() -> None:
    argv = ["check", "--btf", "6.18.44.btf", "--json", "delegate_cmds=prog_load"]
    codes = [p["code"] for p in json.loads(run(*argv)[1])["inputs"][0]["problems"]]
    assert any(code.startswith("D4") for code in codes)
    ignored = ",".join(c for c in codes if c.startswith("D4"))
    codes = [
        p["code"] for p in json.loads(run(*argv, "--ignore", ignored)[1])["inputs"][0]["problems"]
    ]
    assert not any(code.startswith("D4") for code in codes)


def test_ignore_takes_names_too() -> None:
    argv = ["check", *K, "--strict", "delegate_cmds=0"]
    assert run(*argv)[0] == 1
    assert run(*argv, "--ignore", "zero-mask")[0] == 0


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("delegopts.lint") is None, reason="no delegopts.lint"
)
def test_refusals_get_the_lint_spelling_code() -> None:
    status, _, err = run("check", *K, "delegate_cmds=BPF_PROG_LOAD")
    assert status == 1
    assert err.startswith("<argument 1>:1:15: error: D304 EINVAL: 'BPF_PROG_LOAD' keeps the enum")


@pytest.mark.parametrize(
    ("argv", "status", "stderr_start"),
    [
        (["check"], 2, "delegopts check: nothing to check"),
        (["check", *K, "--fstab", "nonexistent"], 3, "delegopts: nonexistent: cannot read"),
        (["check", "--btf", "nonexistent", "uid=1"], 3, "delegopts: nonexistent: cannot read"),
        (["check", *K, "6.18.44.btf"], 2, "delegopts check: cannot tell the format"),
        (["check", "--frobnicate"], 2, "delegopts: unrecognized arguments"),
        (["format", *K[:2], "--from", "json", '{"uid": 1}'], 1, "<argument>: not the JSON"),
        (["check", *K, "--ignore", "D9999", "uid=1"], 2, "delegopts check: --ignore: unknown code"),
        (["show", *K, "--ignore", "zero-masks"], 2, "delegopts show: --ignore: unknown code"),
        (["explain"], 2, "delegopts explain: the following arguments are required"),
        (["diff", "--btf-a", "nonexistent", "uid=1"], 3, "delegopts: nonexistent: cannot read"),
        (["show", "--mountinfo", "nonexistent"], 3, "delegopts: nonexistent: cannot read"),
    ],
)
def test_usage_and_unreadable(argv: list[str], status: int, stderr_start: str) -> None:
    actual, out, err = run(*argv)
    assert (actual, out) == (status, "")
    assert err.startswith(stderr_start)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", *K, "--", "mount", "-o"],
        ["check", *K, "--", "mount", "'unclosed"],
        ["check", *K, "\0delegate_cmds=any"],
        ["check", *K, "delegate_cmds=" + ":".join(["xdp"] * 2000)],
        ["check", *K, "\udcff=\udcfe"],
        ["explain", *K, "delegate_cmds=any:any:0x" + "f" * 40],
        ["explain", *K, "=,,=="],
        ["diff", "--btf-a", "6.1.170.btf", "--btf-b", "7.2.13.btf", "delegate_cmds=common_attrs"],
        ["format", *K[:2], "--from", "systemd", "BPFDelegateCommands=\\"],
        ["format", *K[:2], "--from", "incus", "security.bpffs.delegate_cmds: a b"],
    ],
)
def test_no_traceback_for_any_input(argv: list[str]) -> None:
    status, _, err = run(*argv)
    assert status in (0, 1, 2) and "internal error" not in err and "Traceback" not in err


SHOW_PLAIN = """\
kernel 6.18.44.btf: BPF token delegation supported

/tmp/dlg/token
  owner       uid 1000, gid 1000
  mode        0700
  commands    map_create prog_load btf_load
  maps        hash array
  programs    kprobe xdp
  attachments xdp

/tmp/dlg/any
  owner       uid 0, gid 0
  mode        0777
  commands    any
  maps        any
  programs    any
  attachments any

/tmp/dlg/my token
  owner       uid 0, gid 0
  mode        0777
  commands    map_create
  maps        nothing
  programs    socket_filter
  attachments nothing

/tmp/dlg/plain
  owner       uid 0, gid 0
  mode        0777
  commands    nothing
  maps        nothing
  programs    nothing
  attachments nothing
"""


@pytest.mark.parametrize("dump", ["mountinfo-6.18.44", "mounts-6.18.44"])
def test_show_plain_when_piped(dump: str) -> None:
    assert run("show", *K, "--mountinfo", dump) == (0, SHOW_PLAIN, "")


def test_show_json_has_what_bpftool_token_list_has() -> None:
    status, out, err = run("show", *K, "--json", "--mountinfo", "mountinfo-6.18.44")
    report = json.loads(out)
    assert (status, err, report["schema"], report["delegation_supported"]) == (0, "", 2, True)
    token = report["mounts"][0]
    assert token["mount_point"] == "/tmp/dlg/token" and token["mode"] == "0700"
    assert token["owner"] == {"uid": 1000, "gid": 1000}
    assert {k: v["value"] for k, v in token["delegate"].items()} == {
        "delegate_cmds": "map_create prog_load btf_load",
        "delegate_maps": "hash array",
        "delegate_progs": "kprobe xdp",
        "delegate_attachs": "xdp",
    }
    assert report["mounts"][1]["delegate"]["delegate_cmds"]["any"] is True


def test_show_on_a_kernel_without_delegation() -> None:
    status, out, _ = run(
        "show", "--btf", "6.1.170.btf", "--no-lint", "--mountinfo", "mountinfo-6.18.44"
    )
    assert status == 0
    assert out.startswith("kernel 6.1.170.btf: no BPF token delegation (Linux 6.9 or later")


EXPLAIN = [
    (
        ["delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe,uid=1000"],
        0,
        """\
kernel 6.18.44.btf

delegate_cmds
    bit  name        set by                         kernel
      0  map_create  name 'MAP_CREATE' (column 25)  kept; shown as map_create
      5  prog_load   name 'prog_load' (column 15)   kept; shown as prog_load

delegate_progs
    bit  name    set by                     kernel
      2  kprobe  name 'kprobe' (column 51)  kept; shown as kprobe

uid 1000: kept; shown as uid=1000

/proc/mounts will show: uid=1000,delegate_cmds=map_create:prog_load,delegate_progs=kprobe
""",
    ),
    (
        ["delegate_cmds=prog_load:0x1,delegate_maps=any,mode=1777"],
        0,
        """\
kernel 6.18.44.btf

delegate_cmds
    bit  name        set by                        kernel
      0  map_create  number '0x1' (column 25)      kept; shown as map_create
      5  prog_load   name 'prog_load' (column 15)  lost: the number '0x1' (column 25) replaces \
the mask

delegate_maps
    bit  name                        set by             kernel
   0-33  unspec .. arena (34 names)  'any' (column 43)  kept; shown as part of 'any'
  34-63  -                           'any' (column 43)  dropped: beyond the kernel's map types \
(any = 0x3ffffffff); never shown, never used

mode 1777: kept; not shown (0777 once the sticky bit is masked off)

/proc/mounts will show: delegate_cmds=map_create,delegate_maps=any
warning: D201 '0x1' replaces the mask: 'prog_load' before it is lost (column 25); put the \
number first (0x1:prog_load) or drop it
""",
    ),
]


@pytest.mark.parametrize(("argv", "status", "stdout"), EXPLAIN)
def test_explain(argv: list[str], status: int, stdout: str) -> None:
    assert run("explain", *K, *argv) == (status, stdout, "")


def test_explain_names_the_first_option_that_kept_a_bit() -> None:
    status, out, _ = run("explain", *K, "delegate_cmds=prog_load,delegate_cmds=prog_load:0x1")
    assert status == 0
    assert "      5  prog_load   name 'prog_load' (column 15)  kept; shown as prog_load\n" in out


def test_explain_refusal_has_a_caret() -> None:
    status, out, err = run("explain", *K, "delegate_progs=kprobes")
    assert (status, out) == (1, "")
    assert err.endswith("  delegate_progs=kprobes\n                 ^^^^^^^\n")


def test_explain_json_rows() -> None:
    status, out, _ = run("explain", *K, "--json", "delegate_attachs=xdp:0x4000000000000000")
    rows = json.loads(out)["bits"]["delegate_attachs"]
    assert status == 0
    assert [(r["bits"], r["names"]) for r in rows] == [([37, 37], ["xdp"]), ([62, 62], [])]
    assert (
        rows[0]["kernel"] == "lost: the number '0x4000000000000000' (column 22) replaces the mask"
    )
    assert rows[1]["kernel"].startswith("dropped")


DIFF = [
    (
        ["delegate_cmds=prog_load:map_create", "delegate_cmds=prog_load:btf_load,uid=5"],
        1,
        """\
A: delegate_cmds=map_create:prog_load   (kernel 6.18.44.btf)
B: uid=5,delegate_cmds=prog_load:btf_load   (kernel 6.18.44.btf)

delegate_cmds
  + btf_load                         bit 18
  - map_create                       bit 0

uid: 0 -> 5
""",
        "",
    ),
    (
        ["delegate_cmds=prog_load", "delegate_cmds=PROG_LOAD:0x20"],
        0,
        """\
A: delegate_cmds=prog_load   (kernel 6.18.44.btf)
B: delegate_cmds=prog_load   (kernel 6.18.44.btf)

same rights
""",
        "B (kernel 6.18.44.btf): warning: D201 '0x20' replaces the mask: 'PROG_LOAD' before it is "
        "lost (column 25); put the number first (0x20:PROG_LOAD) or drop it\n",
    ),
    (
        ["--btf-a", "6.12.107.btf", "--btf-b", "7.2.13.btf", "delegate_cmds=any"],
        1,
        """\
A: delegate_cmds=any   (kernel 6.12.107.btf)
B: delegate_cmds=any   (kernel 7.2.13.btf)

delegate_cmds
  + prog_stream_read_by_fd           bit 37
  + prog_assoc_struct_ops            bit 38
""",
        "",
    ),
    (
        ["--btf-a", "6.1.170.btf", "--btf-b", "6.12.107.btf", "delegate_cmds=prog_load"],
        1,
        """\
A: (nothing)   (kernel 6.1.170.btf)
B: delegate_cmds=prog_load   (kernel 6.12.107.btf)

delegate_cmds
  + prog_load                        bit 5
""",
        "A (kernel 6.1.170.btf): warning: D102 kernel 6.1.170.btf has no 'delegate_cmds' option "
        "(BPF token delegation needs Linux 6.9 or later): it is ignored (column 1); target a newer "
        "kernel or remove it\n",
    ),
    (
        ["--btf-a", "6.12.107.btf", "--btf-b", "7.2.13.btf", "delegate_cmds=common_attrs"],
        1,
        "",
        "A (kernel 6.12.107.btf): error: * 'common_attrs' is a command only from Linux 7.2.13 on*\n"
        "  delegate_cmds=common_attrs\n                ^^^^^^^^^^^^\n",
    ),
]


DIFF.append(
    (
        ["--kernel-a", "6.12.107", "--kernel-b", "7.2.13", "delegate_cmds=any"],
        1,
        DIFF[2][2].replace("6.12.107.btf", "6.12.107").replace("7.2.13.btf", "7.2.13"),
        "",
    )
)


@pytest.mark.parametrize(("argv", "status", "stdout", "stderr"), DIFF)
def test_diff(argv: list[str], status: int, stdout: str, stderr: str) -> None:
    if not argv[0].startswith("--"):
        argv = ["--btf-a", "6.18.44.btf", "--btf-b", "6.18.44.btf", *argv]
    actual = run("diff", *argv)
    assert actual[:2] == (status, stdout)
    # '*' stands for the refusal's reason, which the core words (and may reword) itself
    assert fnmatch.fnmatchcase(actual[2], stderr)


FORMAT = [
    (
        ["--to", "systemd", "delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe"],
        "PrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFMapCreate,BPFProgLoad\n"
        "BPFDelegatePrograms=BPFProgTypeKprobe\n",
    ),
    (
        ["--to", "incus", "delegate_maps=hash:array,delegate_attachs=any"],
        "security.bpffs.delegate_maps=hash,array\nsecurity.bpffs.delegate_attachs=any\n",
    ),
    (
        ["--to", "hex", "mode=0700,delegate_cmds=prog_load:map_create,delegate_maps=any"],
        "mode=700,delegate_cmds=0x21,delegate_maps=0x3ffffffff\n",
    ),
    (
        ["--from", "systemd", "BPFDelegateMaps=BPFMapTypeArray", "BPFDelegateCommands=BPFProgLoad"],
        "delegate_cmds=prog_load,delegate_maps=array\n",
    ),
    (
        ["--from", "incus", "security.bpffs.delegate_cmds: map_create,prog_load,btf_load"],
        "delegate_cmds=map_create:prog_load:btf_load\n",
    ),
    (
        ["--from", "lxd", "security.delegate_bpf=true", "security.delegate_bpf.map_types=hash"],
        "delegate_maps=hash\n",
    ),
    (
        ["--to", "lxd", "delegate_maps=hash"],
        "security.delegate_bpf=true\nsecurity.delegate_bpf.map_types=hash\n",
    ),
]


@pytest.mark.parametrize(("argv", "stdout"), FORMAT)
def test_format_to_and_from(argv: list[str], stdout: str) -> None:
    assert run("format", "--btf", "6.18.44.btf", *S, *argv) == (0, stdout, "")


@pytest.mark.parametrize(
    "options",
    [
        "delegate_cmds=prog_load:map_create:btf_load,delegate_maps=any,delegate_progs=xdp:kprobe,"
        "delegate_attachs=cgroup_sysctl:xdp",
        "delegate_attachs=any",
        "uid=1,gid=2,mode=0700",
    ],
)
@pytest.mark.parametrize("form", ["systemd", "incus", "lxd", "hex", "json"])
def test_round_trip_gives_the_same_masks(options: str, form: str) -> None:
    btf = ("--btf", "6.18.44.btf", *S)
    status, converted, _ = run("format", *btf, "--to", form, options)
    assert status == 0
    if form == "json":
        assert json.loads(converted)["options"] == run("format", *btf, options)[1].strip()
        back = run("format", *btf, "--from", "json", converted.strip())[1].strip()
        assert back == run("format", *btf, options)[1].strip()
        return
    source = "kernel" if form == "hex" else form
    lines = converted.splitlines()
    lines = [line for line in lines if not line.startswith("Private")] or [""]
    if form == "hex":
        lines = [",".join(lines)]
    if lines == [""] and form != "hex":
        back = ""
    else:
        back = run("format", *btf, "--from", source, *lines)[1].strip()
    original = run("format", *btf, options)[1].strip()
    delegates = ",".join(p for p in original.split(",") if p.startswith("delegate_"))
    assert back == (original if form == "hex" else delegates)


@pytest.mark.parametrize("command", ["check", "show", "explain", "diff", "format"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(command, "--help")
    assert status == 0 and "examples:" in out and f"$ delegopts {command}" in out
    assert err == "" and capsys.readouterr() == ("", "")  # to main's streams, not sys's


def test_version() -> None:
    from delegopts import __version__

    assert run("--version") == (0, f"delegopts {__version__}\n", "")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("columns", [80, 120])
def test_show_on_a_terminal_wraps_by_words(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm")
    out, err = _Terminal(), io.StringIO()
    status = main([*("show", *K, "--mountinfo", "mountinfo-6.18.44")], stdout=out, stderr=err)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # NO_COLOR keeps bold and dim
    assert (status, err.getvalue()) == (0, "")
    lines = [line.rstrip() for line in shown.splitlines()]  # rich pads cells with blanks
    assert max(len(line) for line in shown.splitlines()) <= columns
    assert "/tmp/dlg/token" in lines
    assert any(re.fullmatch(r"  owner +uid 1000, gid 1000", line) for line in lines)
    # wrapped only between words: every word of the plain layout is a word here too
    plain = io.StringIO()
    main([*("show", *K, "--mountinfo", "mountinfo-6.18.44", "--plain")], stdout=plain)
    assert set(plain.getvalue().split()) <= set(shown.split())
    assert len(lines) < 70  # four mounts (190 lines in the old table at 80 columns)


def test_term_dumb_gets_the_plain_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    out, plain = _Terminal(), io.StringIO()
    main([*("show", *K, "--mountinfo", "mountinfo-6.18.44")], stdout=out)
    main([*("show", *K, "--mountinfo", "mountinfo-6.18.44", "--plain")], stdout=plain)
    assert out.getvalue() == plain.getvalue()


@pytest.mark.parametrize("columns", [None, "77", "200", "abc", "-3", "0"])
def test_help_is_as_wide_as_shutil_would_make_it(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help formatter sizes itself without importing shutil, to the same width."""
    from delegopts.cli._common import _columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _columns() == shutil.get_terminal_size().columns


def _check_help(columns: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    status, out, err = run("check", "--help")
    assert (status, err) == (0, "")
    return out.splitlines()


@pytest.mark.parametrize("columns", [50, 60, 100])
def test_help_wraps_the_options_to_the_terminal_width(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _check_help(columns, monkeypatch)
    start = lines.index("options:") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith(" "))
    widths = [len(line) for line in lines[start:end]]
    assert max(widths) <= columns - 2 < max(widths) + 12  # filled, not cut short


@pytest.mark.parametrize("columns", [50, 72, 120])
def test_help_prose_is_filled_and_the_examples_kept(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _check_help(columns, monkeypatch)
    start = next(i for i, line in enumerate(lines) if line.startswith("Check every"))
    paragraph = lines[start : lines.index("", start)]
    assert all(len(line) <= columns - 2 for line in paragraph)
    assert " ".join(paragraph).endswith("names the file, line and column.")
    example = "  $ delegopts check --mountinfo /proc/self/mountinfo --strict --json"
    assert example in lines  # indented: as written, whatever the width


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["names", "--kernel", "6.18.44"], ["names_cmd"]),
        (["--traceback", "rules"], ["rules_cmd"]),
        (["--help"], sorted(f"{c}_cmd" for c in _main._COMMANDS)),
        (["nosuchcommand"], sorted(f"{c}_cmd" for c in _main._COMMANDS)),
    ],
)
def test_a_run_imports_only_its_own_command(argv: list[str], loaded: list[str]) -> None:
    """A fresh interpreter: each command's module costs start-up, so only the one run is."""
    import subprocess

    code = (
        "import io, sys\nfrom delegopts.cli import main\n"
        f"main({argv!r}, stdout=io.StringIO(), stderr=io.StringIO())\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.endswith('_cmd')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == repr(loaded)


@pytest.mark.parametrize("where", ["before", "after"])
def test_traceback_is_a_global_option(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from delegopts.cli import names_cmd

    def broken(*_: object) -> int:
        raise RuntimeError("planted")

    monkeypatch.setattr(names_cmd, "run", broken)
    argv = ["names", "--kernel", "7.2.13"]
    argv = ["--traceback", *argv] if where == "before" else [*argv, "--traceback"]
    with pytest.raises(RuntimeError, match="planted"):
        main(argv, stdout=io.StringIO(), stderr=io.StringIO())
    err = io.StringIO()
    assert main(argv[1:] if where == "before" else argv[:-1], stderr=err) == 4
    assert "internal error: RuntimeError: planted" in err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "--mountinfo", str(Path(__file__).parents[1] / "data" / "mountinfo-6.18.44")],
        ["check", "-o", "delegate_cmds=map_create,delegate_progs=xdp"],
        ["format", "delegate_cmds=map_create,delegate_progs=xdp"],
        ["check", "--mountinfo", str(Path(__file__).parents[1] / "data" / "mountinfo-6.18.44")],
    ],
)
def test_commands_start_without_typing_or_json(argv: list[str]) -> None:
    """A fresh interpreter: typing and json cost start-up that these commands do not need
    (json only where JSON is written; typing nowhere at run time)."""
    import subprocess

    code = (
        "import io, sys\nfrom delegopts.cli import main\n"
        f"status = main({argv!r}, stdout=io.StringIO(), stderr=io.StringIO())\n"
        "print(status, sorted(m for m in ('typing', 'json') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split(maxsplit=1)[1].strip() == "[]", done.stdout
    assert done.stdout.split()[0] in ("0", "1"), done.stdout
