"""What delegopts says about the kernel selftest, systemd and Incus configurations.

The configurations and their sources are in ``tests/lintdata/configs.toml``; the codes below
pin the findings, and a few exact messages pin the most useful of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from lintdata import catalog, configs

from delegopts.diagnostics import Diagnostic
from delegopts.lint import lint, summarize
from delegopts.semantics import parse

CODES: dict[str, list[str]] = {
    "selftest map_token": ["D202", "D202", "D501"],
    "selftest btf_token": ["D202", "D202", "D202", "D501"],
    "selftest prog_token": ["D202", "D409", "D501"],
    "selftest obj_priv_map": ["D202", "D202", "D501"],
    "selftest obj_priv_prog": ["D202", "D501"],
    "selftest obj_priv_freplace_prog": ["D202", "D501", "D502"],
    "selftest obj_priv_btf_fail": ["D501", "D502"],
    "selftest obj_priv_btf_success": ["D501", "D502"],
    "selftest bpf_token_info": ["D202", "D406", "D402", "D403", "D501"],
    "systemd BPFDelegateCommands": ["D501", "D505", "D505", "D505"],
    "systemd BPFDelegateMaps": ["D407", "D501"],
    "systemd BPFDelegatePrograms": ["D407", "D501"],
    "systemd BPFDelegateAttachments": ["D407", "D501"],
    "systemd test-bpf-token": ["D404", "D405", "D501"],
    "incus delegate all four": ["D402", "D403", "D501", "D505"],
    "incus any": ["D501", "D503", "D502"],
    "incus only cmds": ["D406", "D501"],
    "incus only maps": ["D407", "D501"],
    "incus only progs": ["D407", "D501"],
    "incus only attachs": ["D407", "D501"],
    "incus documentation example": ["D402", "D403", "D501", "D505", "D505"],
    "incus value pasted into a mount option": ["D101", "D101", "D406", "D501"],
}

CONFIGS = {config["name"]: config for config in configs()}


def findings(name: str) -> list[Diagnostic]:
    config = CONFIGS[name]
    return list(lint(parse(config["options"], catalog(config["kernel"]))))


def test_every_config_names_its_source_and_is_pinned() -> None:
    assert set(CONFIGS) == set(CODES)
    for config in CONFIGS.values():
        assert config["source"].strip()


@pytest.mark.parametrize("name", list(CODES))
def test_codes(name: str) -> None:
    assert [d.code.value for d in findings(name)] == CODES[name]


@pytest.mark.parametrize(
    ("name", "headline"),
    [
        ("systemd test-bpf-token",
         "warning: D404 'prog_load': prog_load is delegated but no program type is: every "
         "prog_load with the token is refused (column 15); add delegate_progs=... with the "
         "program types the workload uses"),
        ("incus documentation example",
         "warning: D402 delegate_progs=socket_filter:kprobe:cgroup_sysctl is never used: "
         "delegate_cmds=map_create:obj_get:link_create lacks prog_load (column 90); add "
         "prog_load to delegate_cmds"),
        ("incus value pasted into a mount option",
         "warning: D101 unknown key 'obj_get' is ignored: bpffs knows uid, gid, mode, "
         "delegate_cmds, delegate_maps, delegate_progs, delegate_attachs (column 26); ',' ends "
         "the option: separate commands with ':' (delegate_cmds=...:obj_get)"),
        ("selftest obj_priv_freplace_prog",
         "warning: D502 '0x10000040' delegates program types that read kernel memory or act on "
         "the whole host: ext (column 56); delegate only the program types the workload needs"),
        ("systemd BPFDelegateMaps",
         "warning: D407 delegate_maps without delegate_cmds: a token can be created, but no "
         "command accepts it (column 1); add delegate_cmds=map_create"),
    ],
)  # fmt: skip
def test_key_findings(name: str, headline: str) -> None:
    assert headline in [d.headline() for d in findings(name)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("selftest prog_token", {"commands": ["prog_load"], "programs": ["xdp"],
                                 "attach_types": ["xdp"], "can_load_programs": True,
                                 "capabilities": ["CAP_BPF", "CAP_NET_ADMIN"]}),
        ("incus any", {"any_everywhere": True, "reads_kernel": [
            "kprobe", "tracepoint", "perf_event", "raw_tracepoint", "raw_tracepoint_writable",
            "tracing", "struct_ops", "ext", "lsm"]}),
        ("systemd BPFDelegateCommands", {"commands": ["btf_load"],
                                         "ignored_commands": ["obj_pin", "map_freeze",
                                                              "link_detach"]}),
    ],
)  # fmt: skip
def test_summary_json(name: str, expected: dict[str, Any]) -> None:
    config = CONFIGS[name]
    summary = summarize(parse(config["options"], catalog(config["kernel"]))).to_json()
    assert {key: summary[key] for key in expected} == expected
