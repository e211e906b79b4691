"""The cannot-work rules (D4xx) against the running kernel: each finding, and its fix.

For each rule, a mount with the rule's finding, a real token from it, and the map creation or
program load the finding says is refused; then the fixed mount, where delegopts is silent and
the kernel allows it. Values are UAPI enum values (xdp = 6, BPF_XDP = 37...).
"""

from __future__ import annotations

import functools

import pytest
from lintdata.token_probe import Attempt, probe, unavailable

from delegopts.catalog import Catalog
from delegopts.diagnostics import Code
from delegopts.lint import lint
from delegopts.semantics import parse

pytestmark = pytest.mark.live

XDP, CGROUP_SOCK_ADDR = ("prog", 6, 0), ("prog", 18, 0)
XDP_NAMED = ("prog", 6, 37)  # expected_attach_type BPF_XDP
SOCK_ADDR_CONNECT = ("prog", 18, 10)  # BPF_CGROUP_INET4_CONNECT
STACK_MAP = ("map", 23, 0)


@functools.cache
def _skip_reason() -> str | None:
    return unavailable()


@functools.cache
def _running() -> Catalog:
    return Catalog.running_kernel()


def _key(attempt: Attempt) -> str:
    kind, first, second = attempt
    return f"map:{first}" if kind == "map" else f"{kind}:{first}:{second}"


@pytest.mark.parametrize(
    ("options", "code", "attempt", "answer"),
    [
        ("delegate_cmds=prog_load,delegate_progs=xdp,delegate_attachs=xdp",
         Code.DEFAULT_ATTACH_MISSING, XDP, "EPERM"),
        ("delegate_cmds=prog_load,delegate_progs=xdp,delegate_attachs=xdp",
         Code.DEFAULT_ATTACH_MISSING, XDP_NAMED, "ok"),  # "only when the loader names one"
        ("delegate_cmds=prog_load,delegate_progs=xdp,delegate_attachs=cgroup_inet_ingress:xdp",
         None, XDP, "ok"),
        ("delegate_cmds=prog_load,delegate_attachs=any", Code.PROG_LOAD_WITHOUT_PROGS,
         XDP_NAMED, "EPERM"),
        ("delegate_cmds=prog_load,delegate_progs=xdp", Code.PROG_LOAD_WITHOUT_ATTACHS,
         XDP_NAMED, "EPERM"),
        ("delegate_cmds=prog_load,delegate_progs=xdp,delegate_attachs=any", None, XDP_NAMED,
         "ok"),
        ("delegate_cmds=map_create,delegate_progs=xdp,delegate_attachs=any",
         Code.PROGS_WITHOUT_PROG_LOAD, XDP_NAMED, "EPERM"),
        ("delegate_cmds=btf_load,delegate_attachs=any", Code.ATTACHS_WITHOUT_PROG_LOAD,
         XDP_NAMED, "EPERM"),
        ("delegate_cmds=map_create", Code.MAP_CREATE_WITHOUT_MAPS, STACK_MAP, "EPERM"),
        ("delegate_cmds=btf_load,delegate_maps=stack", Code.MAPS_WITHOUT_MAP_CREATE,
         STACK_MAP, "EPERM"),
        ("delegate_maps=stack", Code.NO_DELEGATE_CMDS, STACK_MAP, "EPERM"),
        ("delegate_cmds=map_create,delegate_maps=stack", None, STACK_MAP, "ok"),
        ("delegate_cmds=prog_load,delegate_progs=cgroup_sock_addr,"
         "delegate_attachs=cgroup_inet_ingress", Code.PROG_TYPE_UNLOADABLE,
         CGROUP_SOCK_ADDR, "EINVAL"),
        ("delegate_cmds=prog_load,delegate_progs=cgroup_sock_addr,"
         "delegate_attachs=cgroup_inet_ingress", Code.PROG_TYPE_UNLOADABLE,
         SOCK_ADDR_CONNECT, "EPERM"),
        ("delegate_cmds=prog_load,delegate_progs=cgroup_sock_addr,"
         "delegate_attachs=cgroup_inet4_connect", None, SOCK_ADDR_CONNECT, "ok"),
    ],
)  # fmt: skip
def test_finding_matches_the_kernel(
    options: str, code: Code | None, attempt: Attempt, answer: str
) -> None:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    codes = {d.code for d in lint(parse(options, _running())) if d.code.value[1] == "4"}
    assert code in codes if code else codes == set()
    assert probe(options, [attempt]) == {"token_create": "ok", _key(attempt): answer}


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ("delegate_cmds=btf_load", "ok"),  # no token_create needed (D504)
        ("delegate_cmds=0", "ENOENT"),  # nothing delegated: no token at all
    ],
)
def test_token_create_needs_only_some_delegation(options: str, answer: str) -> None:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    assert probe(options, []) == {"token_create": answer}


KPROBE, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT, SOCKET_FILTER = 2, 5, 7, 17, 1


@pytest.mark.parametrize(
    ("progs", "prog_type", "answer"),
    [
        ("kprobe", KPROBE, "ok"),
        ("tracepoint", TRACEPOINT, "ok"),
        ("perf_event", PERF_EVENT, "ok"),
        ("raw_tracepoint", RAW_TRACEPOINT, "ok"),
        ("socket_filter", KPROBE, "EPERM"),  # not delegated: the token does not count
    ],
)
def test_kernel_reading_types_load_programs_that_read_kernel_memory(
    progs: str, prog_type: int, answer: str
) -> None:
    """D502's claim: with such a type delegated, the container loads a program calling
    bpf_probe_read_kernel(), which without a token needs CAP_PERFMON on the host."""
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    options = f"delegate_cmds=prog_load,delegate_progs={progs},delegate_attachs=any"
    reported = any(d.code is Code.READS_KERNEL for d in lint(parse(options, _running())))
    assert reported is (answer == "ok")
    attempt = ("read", prog_type, 0)
    assert probe(options, [attempt]) == {"token_create": "ok", _key(attempt): answer}
