"""``delegopts derive`` run in-process: output forms, exit statuses, hostile names."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from derivedata.build import build
from kernels import names_btf

from delegopts.cli import main


@pytest.fixture
def btf(tmp_path: Path) -> str:
    """``--btf`` and the file: the names of 6.18.44, labelled by the file's name."""
    path = tmp_path / "6.18.44.btf"
    path.write_bytes(names_btf("6.18.44"))
    return str(path)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_text_names_each_bit_and_why(btf: str) -> None:
    status, out, err = run("derive", "--btf", btf, str(build("xdp_count")))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=array,"
        "delegate_progs=socket_filter:xdp:cgroup_sock,"
        "delegate_attachs=cgroup_inet_ingress:cgroup_inet_sock_create:xdp"
    )
    assert lines[1] == f"for libbpf 1.7.0 on kernel {btf}, from 1 object"
    assert "    array  map counts (btf), map .bss (internal) and 1 more" in lines
    assert "    xdp                      program count_packets (SEC 'xdp')" in lines
    assert any(line.startswith("    exp_attach_type: libbpf loads count_packets") for line in lines)
    assert "    CAP_NET_ADMIN for xdp programs (program count_packets (SEC 'xdp'))" in lines


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("systemd", ["PrivateBPF=yes", "PrivateUsers=yes",
                     "BPFDelegateCommands=BPFProgLoad,BPFBtfLoad",
                     "BPFDelegatePrograms=BPFProgTypeSocketFilter,BPFProgTypeCgroupSock",
                     "BPFDelegateAttachments=BPFCgroupInetIngress,BPFCgroupInetSockCreate"]),
        ("lxd", ["security.delegate_bpf=true",
                 "security.delegate_bpf.cmd_types=prog_load:btf_load",
                 "security.delegate_bpf.prog_types=socket_filter:cgroup_sock",
                 "security.delegate_bpf.attach_types=cgroup_inet_ingress:cgroup_inet_sock_create"]),
        ("incus", ["security.bpffs.delegate_cmds=prog_load,btf_load",
                   "security.bpffs.delegate_progs=socket_filter,cgroup_sock",
                   "security.bpffs.delegate_attachs=cgroup_inet_ingress,cgroup_inet_sock_create"]),
    ],
)  # fmt: skip
def test_other_forms(btf: str, form: str, expected: list[str]) -> None:
    status, out, err = run("derive", "--btf", btf, "--to", form, str(build("socket_sock")))
    assert (status, err) == (0, "")
    assert out.splitlines() == expected


def test_json_lists_every_need(btf: str) -> None:
    status, out, _ = run("derive", "--btf", btf, "--json", str(build("cgroup_maps")))
    assert status == 0
    value = json.loads(out)
    assert value["schema"] == 2
    assert value["libbpf"] == "1.7.0"
    assert value["options"].startswith("delegate_cmds=map_create:prog_load:btf_load,")
    assert "kprobe" in value["options_with_optional_probes"]
    assert value["bits"]["delegate_maps"]["ringbuf"] == [
        {"role": "load", "why": "map events (btf)", "object": str(build("cgroup_maps")),
         "probe": None}]  # fmt: skip
    probe = next(p for p in value["probes"] if p["name"] == "exp_attach_type")
    assert probe["required"] is True
    assert {"option": "delegate_progs", "name": "cgroup_sock"} in probe["bits"]


def test_optional_probes_on_request(btf: str) -> None:
    _, out, _ = run("derive", "--btf", btf, "--with-optional-probes", str(build("socket_sock")))
    assert out.splitlines()[0] == (
        "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter:kprobe:cgroup_sock,"
        "delegate_attachs=cgroup_inet_ingress:cgroup_inet_sock_create"
    )
    assert "left out" not in out


def test_errors_and_exit_statuses(btf: str, tmp_path: Path) -> None:
    status, out, err = run("derive", "--btf", btf, str(build("fsession")))
    assert status == 1
    assert f"'trace_fsession' is not an attach type of kernel {btf}" in err
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    status, out, err = run("derive", "--btf", btf, str(text))
    assert (status, out) == (3, "")
    assert err.endswith("no BPF object found\n")
    status, _, err = run("derive", "--btf", btf, str(tmp_path / "missing.o"))
    assert status == 3


def test_hostile_names_are_escaped(btf: str, tmp_path: Path) -> None:
    # A program and section name with a terminal escape: shown escaped, never raw.
    data = build("socket_sock").read_bytes().replace(b"accept_all", b"\x1b[2Jevil!!")
    path = tmp_path / "hostile.o"
    path.write_bytes(data)
    status, out, err = run("derive", "--btf", btf, str(path))
    assert status == 0, err
    assert "\x1b" not in out + err
    assert "\\033[2Jevil!!" in out


def test_check_for_objects(btf: str) -> None:
    options = ("delegate_cmds=prog_load:map_create,delegate_maps=hash,"
               "delegate_progs=xdp:kprobe,delegate_attachs=xdp")  # fmt: skip
    status, _, err = run("check", "--btf", btf, "--ignore", "D501,D502,D408,D409",
                           "--for", str(build("xdp_count")), options)  # fmt: skip
    assert status == 1
    found = [line.split(": ", 2)[1:] for line in err.splitlines() if ": D60" in line]
    assert [(severity, text.split(" ")[1]) for severity, text in found] == [
        ("warning", "'btf_load'"), ("error", "'array'"), ("warning", "'hash'"),
        ("warning", "'cgroup_sock'"), ("error", "'socket_filter'"), ("warning", "'kprobe'"),
        ("warning", "'cgroup_inet_sock_create'"), ("error", "'cgroup_inet_ingress'"),
    ]  # fmt: skip
    derived = run("derive", "--btf", btf, str(build("xdp_count")))[1].splitlines()[0]
    status, _, err = run("check", "--btf", btf, "--ignore", "D501,D502", "--for",
                         str(build("xdp_count")), derived)  # fmt: skip
    assert (status, err.splitlines()[-1]) == (0, "1 option string checked, no findings")


def test_check_for_a_unit_and_json(btf: str, tmp_path: Path) -> None:
    unit = tmp_path / "app.service"
    unit.write_text("[Service]\nPrivateBPF=yes\nPrivateUsers=yes\n"
                    "BPFDelegateCommands=BPFProgLoad\nBPFDelegatePrograms=BPFProgTypeSocketFilter\n"
                    "BPFDelegateAttachments=BPFCgroupInetIngress\n")  # fmt: skip
    status, out, _ = run("check", "--btf", btf, "--json", "--unit", str(unit), "--for",
                         str(build("socket_sock")))  # fmt: skip
    assert status == 1
    codes = [(p["code"], p["line"]) for i in json.loads(out)["inputs"] for p in i["problems"]
             if p["code"].startswith("D6")]  # fmt: skip
    assert codes == [("D602", 4), ("D601", 5), ("D601", 6)]


def test_check_for_what_is_not_an_object(btf: str, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    status, _, err = run("check", "--btf", btf, "--for", str(text), "delegate_cmds=prog_load")
    assert status == 3
    assert f"{text}: --for: no BPF object in it ({text}: not an ELF file" in err


def test_an_object_on_standard_input(btf: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    class Stdin:
        buffer = io.BytesIO(build("socket_sock").read_bytes())

    monkeypatch.setattr(sys, "stdin", Stdin)
    status, out, err = run("derive", "--btf", btf, "-")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == (
        "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter:cgroup_sock,"
        "delegate_attachs=cgroup_inet_ingress:cgroup_inet_sock_create"
    )


def test_check_for_a_struct_ops_object_reads_the_kernels_structs() -> None:
    # The shipped snapshots hold only the enums: struct_ops members need the complete BTF.
    status, _, err = run("check", "--kernel", "6.18.44", "--for", str(build("tcp_cc")),
                         "delegate_cmds=prog_load")  # fmt: skip
    assert status == 1
    assert (
        "member ssthresh of struct tcp_congestion_ops in map delegopts_cc: its attach "
        "type is the member's index in the kernel's struct tcp_congestion_ops, which needs "
        "the kernel's complete BTF" in err
    )


def test_check_for_struct_ops_objects_supersedes_the_generic_guess() -> None:
    # D410 says only 'any' surely covers struct_ops members; with the objects, the exact
    # indices are known (tcp_congestion_ops of the running kernel) and D410 goes.
    if not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("the running kernel has no BTF: struct_ops members cannot be read")
    derived = run("derive", str(build("tcp_cc")))[1].splitlines()[0]
    status, _, err = run("check", "--ignore", "D501,D502", derived)
    assert "D410" in err
    status, _, err = run("check", "--ignore", "D501,D502", "--for", str(build("tcp_cc")), derived)
    assert (status, err.splitlines()[-1]) == (0, "1 option string checked, no findings")


#: Shared libraries in the machine's library folder, and what derive notes.
INSTALLED = [
    ([], ""),
    (["libbpf.so.1.7.0"], ""),
    (["libbpf.so", "libbpf.so.1", "libbpf.so.1.5.0"],
     "note: the answer is for libbpf 1.7.0; this machine's libbpf is 1.5.0 (--libbpf "
     "1.5.0 for a program that links it)\n"),
    (["libbpf.so.1.1.2"],
     "note: the answer is for libbpf 1.7.0; this machine's libbpf 1.1.2 predates BPF "
     "tokens (1.4.0): a program that links it loads nothing through a token\n"),
    (["libbpf.so.1.9.0"],
     "note: the answer is for libbpf 1.7.0; this machine's libbpf 1.9.0 has no table here\n"),
]  # fmt: skip


@pytest.mark.parametrize(("files", "note"), INSTALLED)
def test_the_installed_libbpf_is_noted_where_it_differs(
    files: list[str], note: str, btf: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from delegopts.derive import installed

    libs = tmp_path / "lib"
    libs.mkdir()
    for name in files:
        (libs / name).write_bytes(b"")
    monkeypatch.setattr(installed, "_DIRS", (str(tmp_path / "none"), str(libs)))
    assert run("derive", "--btf", btf, str(build("xdp_count")))[::2] == (0, note)
    # a release asked for is what the user wants: no note
    assert run("derive", "--btf", btf, "--libbpf", "1.7.0", str(build("xdp_count")))[2] == ""
