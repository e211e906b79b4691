"""Hosts with thousands of mounts: the lines left to the grammar, and repeated strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernels import catalog

from delegopts.formats._found import Found
from delegopts.formats.findings import _analysed, check_found
from delegopts.formats.mountinfo import _other_filesystem, scan_mountinfo
from delegopts.grammar.lines import LineSyntaxError, parse_line

BPFFS = "57 24 0:49 / /t rw - bpf bpffs rw,delegate_cmds=any"

_VALID = [
    BPFFS,
    "57 24 0:49 / /t rw shared:1 master:2 - bpf none rw",
    "22 27 0:21 / /proc rw,relatime - proc proc rw",
    "22 27 0:21 - /x rw - tmpfs - rw",
]


@st.composite
def _near_lines(draw: st.DrawFn) -> str:
    """A real line with a few characters changed: most near the edge of what parses."""
    line = list(draw(st.sampled_from(_VALID)))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(line)))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from([" ", "-", "b", "p", "f", "\t", "x"]))
        if edit == "insert":
            line.insert(at, char)
        elif at < len(line):
            line[at : at + 1] = [] if edit == "delete" else [char]
    return "".join(line)


def _grammar_says_bpffs(line: str) -> bool:
    try:
        node = parse_line("mountinfo", line)
    except LineSyntaxError:
        return False
    return str(node.tokens("FIELD")[3]) == "bpf"


@given(_near_lines())
def test_lines_skipped_unread_are_never_bpffs_mounts(line: str) -> None:
    if _other_filesystem(line):
        assert not _grammar_says_bpffs(line)


@pytest.mark.parametrize(
    ("line", "skipped"),
    [
        ("22 27 0:21 / /proc rw,relatime - proc proc rw", True),
        ("22 27 0:21 / /proc rw,relatime shared:3 - cgroup2 cgroup2 rw", True),
        # the grammar refuses it, but it is no bpffs mount: left alone unread
        ("22 27 0:21 / /proc  rw,relatime - proc proc rw", True),
        (BPFFS, False),
        ("57 24 0:49 / /t rw - bpf", False),  # a bpffs line that ends early: reported
        ("57 24 0:49 / /t rw - bpf2 x rw", False),  # read by the grammar, then left alone
        ("57 24 0:49 / /t rw", False),  # no separator: never mountinfo, reported
        ("garbage", False),
        ("", False),
    ],
)
def test_prefilter(line: str, skipped: bool) -> None:
    assert _other_filesystem(line) is skipped


def test_skipped_lines_are_counted_and_bad_bpffs_lines_reported() -> None:
    text = "\n".join(
        [
            "22 27 0:21 / /proc rw,relatime - proc proc rw",
            BPFFS,
            "58 24 0:50 / /u rw - bpf",
            "23 27 0:22 / /sys rw - sysfs sysfs rw",
        ]
    )
    scan, mounts = scan_mountinfo(text + "\n", "mi")
    assert [m.mount_point for m in mounts] == ["/t"]
    assert scan.skipped == 2
    assert [(d.code.value, d.location and d.location.line) for d in scan.findings] == [("F104", 3)]


@pytest.mark.parametrize(
    "options",
    ["delegate_cmds=any", "delegate_cmds=prog_lod", "delegate_progs=kprobe,uid=1", "mode=99999"],
)
def test_repeated_strings_are_analysed_once_and_placed_on_their_own_line(options: str) -> None:
    kernel = catalog("6.18.44")
    _analysed.cache_clear()
    first = check_found(Found.plain(options, path="a", line=1), kernel)
    again = check_found(Found.plain(options, path="b", line=7), kernel)
    assert _analysed.cache_info().hits == 1
    assert first.options == again.options
    assert [(d.code, d.message, d.span) for d in again.findings] == [
        (d.code, d.message, d.span) for d in first.findings
    ]
    assert {(d.location.path, d.location.line) for d in again.findings if d.location} <= {("b", 7)}
    _analysed.cache_clear()
    assert check_found(Found.plain(options, path="b", line=7), kernel) == again


def test_near_lines_reach_both_sides() -> None:
    """The property above sees bpffs lines the grammar accepts, and lines it skips."""
    from hypothesis import find

    assert _grammar_says_bpffs(
        find(_near_lines(), lambda line: line != BPFFS and _grammar_says_bpffs(line))
    )
    assert _other_filesystem(
        find(_near_lines(), lambda line: " - " in line and " - bpf" not in line)
    )
