"""Any command line and any input file: an exit status and a message, never a traceback.

Hypothesis builds command lines from the commands' own options and arbitrary text, and
input files (fstab, units, mountinfo, Incus keys, JSON) from arbitrary text and pieces
of real syntax, then runs the CLI in-process: the exit status must be one of the
documented ones and stderr must not report an internal error.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernels import names_btf

from delegopts.cli import ExitStatus, main

_NAMES = ["any", "0x1", "0", "18446744073709551615", "prog_load", "MAP_CREATE", "btf_load",
          "hash", "kprobe", "xdp", "cgroup_inet_ingress", "struct_ops", "bogus", ""]  # fmt: skip
_KEYS = ["delegate_cmds", "delegate_maps", "delegate_progs", "delegate_attachs", "uid", "gid",
         "mode", "delegate_cmd", "Delegate_Cmds", ""]  # fmt: skip
_JUNK = st.text(max_size=4)
_VALUE = st.lists(st.one_of(st.sampled_from(_NAMES), _JUNK), min_size=1, max_size=4).map(":".join)
_OPTION = st.one_of(
    st.tuples(st.sampled_from(_KEYS), _VALUE).map("=".join), st.sampled_from(_KEYS), _JUNK
)
#: Option strings, mostly shaped like real ones, sometimes not at all.
_OPTIONS = st.lists(_OPTION, min_size=1, max_size=5).map(",".join)
_LINE = st.one_of(
    _OPTIONS.map(lambda options: f"bpffs /sys/fs/bpf/t bpf {options} 0 0"),  # fstab
    _OPTIONS.map(lambda options: f"25 1 0:22 / /sys/fs/bpf/t rw - bpf bpffs rw,{options}"),
    _OPTIONS.map(lambda options: f"Options={options}"),
    st.sampled_from(["[Mount]", "Type=bpf", "What=bpffs", "PrivateBPF=yes", "#", ""]),
    st.tuples(st.sampled_from(["BPFDelegateCommands", "BPFDelegatePrograms"]), _VALUE).map(
        "=".join
    ),
    _OPTIONS.map(lambda options: f"security.bpffs.delegate_cmds: {options}"),
    _JUNK,
)
_FILE = st.lists(_LINE, max_size=6).map("\n".join)
_FILE_OPTIONS = ["--fstab", "--unit", "--mountinfo", "--incus", "--lxd"]
_FLAGS = ["--json", "--strict", "--no-lint", "--no-btf", "-o", "--ignore", "--to", "--from",
          "systemd", "incus", "lxd", "hex", "json", "kernel", "--", "mount", "-t", "bpf",
          "--with-optional-probes", "--libbpf", "1.7.0", "1.4.3", "--for", "input.txt",
          "--root", ".", "input.txt.service", "--unit"]  # fmt: skip


@st.composite
def _command_lines(draw: st.DrawFn) -> tuple[list[str], str | None]:
    command = draw(st.sampled_from(["check", "explain", "format", "diff", "show", "names",
                                    "derive"]))  # fmt: skip
    argv = [command]
    content = None
    if command == "derive":  # any file where a BPF object is expected
        argv.append("input.txt")
        content = draw(_FILE)
    elif command in ("check", "show") and draw(st.booleans()):
        option = "--mountinfo" if command == "show" else draw(st.sampled_from(_FILE_OPTIONS))
        argv += [option, "input.txt"]
        content = draw(_FILE)
    argv += draw(st.lists(st.one_of(st.sampled_from(_FLAGS), _OPTIONS), max_size=4))
    if command != "names" and draw(st.booleans()):
        argv += ["--btf", "k.btf"]
    return argv, content


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=_command_lines())
def test_no_command_line_gets_a_traceback(
    case: tuple[list[str], str | None], tmp_path: Path, monkeypatch: object
) -> None:
    argv, content = case
    (tmp_path / "k.btf").write_bytes(names_btf("6.18.44"))
    if content is not None:
        (tmp_path / "input.txt").write_text(content, errors="surrogateescape")
        # the same text as a unit of the root '--root .' reads
        units = tmp_path / "etc/systemd/system"
        units.mkdir(parents=True, exist_ok=True)
        (units / "input.txt.service").write_text(content, errors="surrogateescape")
    out, err = io.StringIO(), io.StringIO()
    saved_dir, saved_stdin = Path.cwd(), sys.stdin
    sys.stdin = io.StringIO("")
    try:
        import os

        os.chdir(tmp_path)
        status = main(argv, stdout=out, stderr=err)
    finally:
        os.chdir(saved_dir)
        sys.stdin = saved_stdin
    assert status in {s.value for s in ExitStatus} - {ExitStatus.INTERNAL}, err.getvalue()
    assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue()
