"""systemd's BPFDelegate*= tables: the build script's rules, and the shipped data against a
real build (Debian unstable's ``libsystemd-core-262.so``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from systemd_oracle import SystemdOracle

from delegopts.catalog import OptionKind
from delegopts.systemd.headers import camel_case, read_header
from delegopts.systemd.tables import ENUM_OF, UnknownRelease, known, load, select

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_tables_are_the_real_builds(systemd_real: SystemdOracle) -> None:
    if systemd_real.release not in known():
        pytest.skip(
            f"Debian has systemd {systemd_real.release}, for which no tables are shipped yet"
        )
    shipped = load(systemd_real.release)
    assert {
        ENUM_OF[kind]: list(shipped.names(kind)) for kind in OptionKind
    } == systemd_real.tables()


def test_every_name_is_found_at_its_bit_by_the_real_lookup(systemd_real: SystemdOracle) -> None:
    if systemd_real.release not in known():
        pytest.skip(f"no tables shipped for systemd {systemd_real.release}")
    shipped = load(systemd_real.release)
    for kind in OptionKind:
        names = list(shipped.names(kind))
        assert systemd_real.words(ENUM_OF[kind], names) == list(range(len(names)))
        refused = ["any", names[0].lower(), names[0] + " ", "BPFProgRun", "5", ""]
        assert all(index < 0 for index in systemd_real.words(ENUM_OF[kind], refused))


def test_tool_regenerates_the_shipped_tables_from_the_real_build(
    systemd_real: SystemdOracle, tmp_path: Path
) -> None:
    release, folder = str(systemd_real.release), str(systemd_real.folder)
    tool = str(ROOT / "tools/gen_systemd_tables.py")
    subprocess.run(
        [sys.executable, tool, "library", release, folder, "--source", "x", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    made = json.loads((tmp_path / f"{release}.json").read_text())["tables"]
    assert {ENUM_OF[kind]: list(load(release).names(kind)) for kind in OptionKind} == made


def _enum(*lines: str, name: str = "bpf_prog_type") -> str:
    return "\n".join([f"enum {name} {{", *(f"\t{line}" for line in lines), "};"])


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("BPF_PROG_TYPE_XDP,", "BPFProgTypeXdp"),
        ("BPF_PROG_TYPE_XDP ,", None),  # the script wants the comma right after the name
        ("BPF_PROG_TYPE_XDP", None),  # no comma: the last enumerator
        ("BPF_PROG_TYPE_XDP = 6,", None),
        ("BPF_PROG_TYPE_SYSCALL, /* a program that can execute syscalls */", None),
        ("BPF_PROG_TYPE_XDP, // trailing", None),
        ("__MAX_BPF_PROG_TYPE,", None),
        ("  BPF_PROG_TYPE_LWT_SEG6LOCAL,  ", "BPFProgTypeLwtSeg6local"),
        ("/* BPF_PROG_TYPE_XDP, */", None),
    ],
)
def test_header_line_rules(line: str, kept: str | None) -> None:
    tables = read_header(_enum("BPF_PROG_TYPE_UNSPEC,", line)).tables["prog_type"]
    assert tables == ("BPFProgTypeUnspec",) + ((kept,) if kept else ())


def test_a_skipped_line_moves_later_names_down_and_is_reported() -> None:
    read = read_header(
        _enum(
            "BPF_PROG_TYPE_UNSPEC,",
            "BPF_PROG_TYPE_SYSCALL, /* a program that can execute syscalls */",
            "BPF_PROG_TYPE_NETFILTER,",
            "__MAX_BPF_PROG_TYPE",
        )
    )
    assert read.tables["prog_type"] == ("BPFProgTypeUnspec", "BPFProgTypeNetfilter")
    assert read.shifted["prog_type"] == (("BPFProgTypeNetfilter", 1, 2),)
    assert read.dropped["prog_type"] == (
        ("BPF_PROG_TYPE_SYSCALL", 1, 'the line has more than "NAME,"'),
    )


def test_aliases_with_values_are_not_names_and_shift_nothing() -> None:
    read = read_header(
        _enum(
            "BPF_PROG_TEST_RUN,",
            "BPF_PROG_RUN = BPF_PROG_TEST_RUN,",
            "BPF_PROG_GET_NEXT_ID,",
            name="bpf_cmd",
        )
    )
    assert read.tables["cmd"] == ("BPFProgTestRun", "BPFProgGetNextId")
    assert read.shifted["cmd"] == ()
    assert read.dropped["cmd"] == (("BPF_PROG_RUN", 0, "the line sets a value"),)


def test_other_enums_are_not_read() -> None:
    text = _enum("BPF_LINK_TYPE_XDP,", name="bpf_link_type") + "\n" + _enum("BPF_X,")
    assert set(read_header(text).tables) == {"prog_type"}


@pytest.mark.parametrize(
    ("declared", "spelled"),
    [
        ("BPF_MAP_CREATE", "BPFMapCreate"),
        ("BPF_CGROUP_INET4_BIND", "BPFCgroupInet4Bind"),
        ("BPF_PROG_TYPE_LWT_SEG6LOCAL", "BPFProgTypeLwtSeg6local"),
        ("BPF_MAP_TYPE_LRU_PERCPU_HASH", "BPFMapTypeLruPercpuHash"),
    ],
)
def test_camel_case(declared: str, spelled: str) -> None:
    assert camel_case(declared) == spelled


@pytest.mark.parametrize("release", known())
def test_each_release_has_the_netfilter_shift(release: str) -> None:
    # Every bundled bpf.h since 258 comments BPF_PROG_TYPE_SYSCALL's line.
    programs = load(release).names(OptionKind.PROGS)
    assert programs[31] == "BPFProgTypeNetfilter"
    assert "BPFProgTypeSyscall" not in programs


@pytest.mark.parametrize("release", known())
def test_each_release_spells_names_once(release: str) -> None:
    for kind in OptionKind:
        names = load(release).names(kind)
        assert len(set(names)) == len(names)
        assert all(name.startswith("BPF") for name in names)
        assert len(names) < 64  # a 65th name would set bit 64 % 64 = 0


@pytest.mark.parametrize(
    ("release", "name", "present"),
    [
        ("258", "BPFMapTypeInsnArray", False),
        ("258.3", "BPFMapTypeInsnArray", False),
        ("258.4", "BPFMapTypeInsnArray", True),  # a point release took 6.19's header
        ("258.4", "BPFProgAssocStructOps", False),
        ("258.5", "BPFProgAssocStructOps", True),  # ... and the next one 7.0's
        ("259", "BPFMapTypeInsnArray", True),
        ("259", "BPFProgAssocStructOps", False),
        ("259.2", "BPFProgAssocStructOps", True),
        ("260", "BPFTraceFsession", True),
        ("261.2", "BPFMapTypeRhash", False),
        ("262.1", "BPFMapTypeRhash", True),
        ("262.1", "BPFTraceFsessionMulti", True),
    ],
)
def test_names_by_release(release: str, name: str, present: bool) -> None:
    table = load(release)
    assert any(table.bit(kind, name) is not None for kind in OptionKind) == present


@pytest.mark.parametrize(
    ("requested", "chosen", "why"),
    [
        ("262.1", "262.1", "systemd 262.1 (--systemd 262.1)"),
        ("v258", "258", "systemd 258 (--systemd v258)"),
        ("258.4", "258.4", "systemd 258.4 (--systemd 258.4)"),
        ("260.3-1", "260.3", "systemd 260.3 (--systemd 260.3-1)"),
        ("262", "262.1", "systemd 262 (--systemd 262; tables of 262.1: none were read for 262 "),
        ("261.9", "261.2", "systemd 261.9 (--systemd 261.9; tables of 261.2: none were read"),
    ],
)
def test_select(requested: str, chosen: str, why: str) -> None:
    release, said = select(requested)
    assert release.version == chosen
    assert said.startswith(why)


@pytest.mark.parametrize("requested", ["263", "257", "abc", ""])
def test_select_refuses(requested: str) -> None:
    with pytest.raises(UnknownRelease, match=r"known releases|not a systemd version"):
        select(requested)


def test_tool_regenerates_the_shipped_tables_from_systemds_history(tmp_path: Path) -> None:
    """With a systemd git history (DELEGOPTS_SYSTEMD_GIT, a git directory with the release
    tags), the tool remakes every shipped table from the headers at the tags."""
    import os

    git_dir = os.environ.get("DELEGOPTS_SYSTEMD_GIT")
    if not git_dir:
        pytest.skip("set DELEGOPTS_SYSTEMD_GIT to a systemd git directory with its release tags")
    tool = str(ROOT / "tools/gen_systemd_tables.py")
    subprocess.run(
        [sys.executable, tool, "tags", git_dir, "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    made = json.loads((tmp_path / "releases.json").read_text())
    for release in made:
        table = json.loads((tmp_path / f"{made[release]}.json").read_text())["tables"]
        assert {ENUM_OF[kind]: list(load(release).names(kind)) for kind in OptionKind} == table
    assert set(made) == set(known()) - {"262.1"}  # 262.1 comes from Debian's build
