"""delegopts' model of systemd's BPFDelegate*= parsing: each silent behaviour, as a table
that is also checked against systemd's own parser where Debian's build can be had."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernels import catalog
from systemd_oracle import SystemdOracle

from delegopts.catalog import OptionKind
from delegopts.systemd.model import ALL_BITS, Assignment, evaluate, shifted_bits
from delegopts.systemd.tables import load
from delegopts.systemd.units import (
    SETTINGS,
    UnitFile,
    read_unit,
    split_systemctl_cat,
    unit_files,
    units_in,
)

C, M, P, A = OptionKind.CMDS, OptionKind.MAPS, OptionKind.PROGS, OptionKind.ATTACHS

# (assignments in order, the four masks systemd 262 ends with, the notes delegopts gives)
CASES: list[tuple[list[tuple[OptionKind, str]], tuple[int, int, int, int], list[str]]] = [
    ([(C, "BPFProgLoad")], (0x20, 0, 0, 0), []),
    ([(C, "BPFProgLoad"), (C, "BPFMapCreate")], (0x1, 0, 0, 0), ["replaced"]),
    ([(C, "BPFProgLoad,BPFMapCreate"), (C, "BPFMapCreate,BPFProgLoad")], (0x21, 0, 0, 0), []),
    ([(C, "BPFProgLoad,bogus,BPFMapCreate")], (0x21, 0, 0, 0), ["dropped"]),
    ([(C, "BPFProgLoad"), (C, "bogus")], (0, 0, 0, 0), ["dropped", "reset"]),
    ([(C, "BPFProgLoad"), (C, "")], (0, 0, 0, 0), []),
    ([(C, "any")], (ALL_BITS, 0, 0, 0), []),
    ([(C, "any,BPFProgLoad")], (0x20, 0, 0, 0), ["any-in-list"]),
    ([(C, "bpfprogload")], (0, 0, 0, 0), ["dropped", "reset"]),
    ([(C, "BPFProgLoad, BPFMapCreate")], (0x20, 0, 0, 0), ["dropped"]),
    ([(C, "BPFProgLoad,,BPFMapCreate,")], (0x21, 0, 0, 0), []),
    ([(C, "5,BPFMapCreate")], (0x1, 0, 0, 0), ["dropped"]),
    ([(C, "BPFProgLoad:BPFMapCreate")], (0, 0, 0, 0), ["dropped", "reset"]),
    ([(C, "BPFProgRun")], (0, 0, 0, 0), ["dropped", "reset"]),
    ([(P, "BPFProgTypeNetfilter")], (0, 0, 1 << 31, 0), []),
    ([(P, "BPFProgTypeSyscall,BPFProgTypeXdp")], (0, 0, 0x40, 0), ["dropped"]),
    ([(M, "BPFMapTypeRhash")], (0, 1 << 35, 0, 0), []),
    ([(A, "BPFTraceFsessionMulti")], (0, 0, 0, 1 << 61), []),
    ([(C, "BPFMapCreate\\,BPFProgLoad")], (0, 0, 0, 0), ["dropped", "reset"]),
    # A value ending in a backslash (in a unit file: followed by a blank) is ignored whole,
    # after the unknown words before it were logged.
    ([(C, "BPFProgLoad"), (C, "bogus,BPFMapCreate\\")], (0x20, 0, 0, 0), ["dropped", "ignored"]),
]


def _ours(case: list[tuple[OptionKind, str]]) -> tuple[tuple[int, ...], list[str]]:
    outcome = evaluate([Assignment(kind, value) for kind, value in case], load("262.1"))
    return tuple(outcome.masks[kind] for kind in OptionKind), [n.kind.value for n in outcome.notes]


@pytest.mark.parametrize(("case", "masks", "notes"), CASES)
def test_model(
    case: list[tuple[OptionKind, str]], masks: tuple[int, ...], notes: list[str]
) -> None:
    assert _ours(case) == (masks, notes)


def test_the_table_is_what_systemd_does(systemd_real: SystemdOracle) -> None:
    units = [
        ["[Service]\n" + "".join(f"{SETTINGS[kind]}={value} \n" for kind, value in case)]
        for case, _, _ in CASES
    ]
    assert [parsed.masks for parsed in systemd_real.units(units)] == [
        masks for _, masks, _ in CASES
    ]


@pytest.mark.parametrize(
    ("value", "message", "fix"),
    [
        ("bpfprogload", "systemd matches names case-sensitively", "write BPFProgLoad"),
        (" BPFMapCreate", "systemd keeps the blanks around a word", "write BPFMapCreate"),
        ("prog_load", "systemd spells command names in CamelCase", "write BPFProgLoad"),
        ("BPF_PROG_LOAD", "systemd spells command names in CamelCase", "write BPFProgLoad"),
        ("5", "systemd takes no numbers", "write BPFProgLoad"),
        ("63", "bit 63 cannot be written for systemd 262.1", None),
        ("BPFProgLod", "not a command name in its table", "write BPFProgLoad"),
    ],
)
def test_dropped_word_says_why_and_what_to_write(value: str, message: str, fix: str | None) -> None:
    outcome = evaluate([Assignment(C, f"BPFObjPin,{value}")], load("262.1"))
    (note,) = outcome.notes
    assert message in note.message
    assert note.fix == fix
    assert note.assignment.value[note.start : note.end] == value


def test_a_name_of_a_later_release_says_so() -> None:
    (note,) = evaluate([Assignment(M, "BPFMapTypeHash,BPFMapTypeRhash")], load("260")).notes
    assert "BPFMapTypeRhash is known from systemd 262.1 on" in note.message


def test_replaced_note_names_the_earlier_line() -> None:
    outcome = evaluate(
        [Assignment(C, "BPFProgLoad", "a.service", 3), Assignment(C, "BPFMapCreate", "b.conf", 2)],
        load("262.1"),
    )
    (note,) = outcome.notes
    assert note.assignment.path == "b.conf"
    assert "replaces the one at a.service:3, whose BPFProgLoad it drops" in note.message


@pytest.mark.parametrize("version", ["6.18.44", "7.2.13"])
def test_netfilter_is_the_kernels_syscall(version: str) -> None:
    said = shifted_bits(1 << 31 | 1 << 6, P, load("262.1"), catalog(version))
    assert said == [f"BPFProgTypeNetfilter sets bit 31, which kernel {version} reads as syscall"]


def test_units_with_dropins_in_order() -> None:
    files = [
        UnitFile("a.service", "[Service]\nPrivateBPF=yes\nBPFDelegateCommands=BPFProgLoad\n"),
        UnitFile("a.service.d/10-x.conf", "[Service]\nBPFDelegateCommands=BPFMapCreate\n"),
    ]
    unit = read_unit(files)
    outcome = evaluate(unit.assignments(), load("262.1"))
    assert outcome.masks[C] == 0x1
    assert [(a.path, a.line) for a in unit.assignments()] == [
        ("a.service", 3),
        ("a.service.d/10-x.conf", 2),
    ]
    private = unit.last("PrivateBPF")
    assert private is not None and private.value == "yes"


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("[Service]\nBPFDelegateMaps = any \n", ["any"]),
        ("[Service]\nBPFDelegateMaps=a\\\n  b\n", ["a   b"]),
        ("[Service]\nBPFDelegateMaps=a\\\n# c\nb\n", ["a b"]),
        ("[Service]\nBPFDelegateMaps=a\\\\\n", ["a\\\\"]),
        ("[Service]\nBPFDelegateMaps=a\\", ["a"]),
        ("[Service]\r\nBPFDelegateMaps=a\r\n", ["a"]),
        ("[Service]\rBPFDelegateMaps=a\rBPFDelegateMaps=b", ["a", "b"]),
        ("[Unit]\nBPFDelegateMaps=a\n", []),
        ("[X-Y]\nBPFDelegateMaps=a\n[Service]\nBPFDelegateMaps=b\n", ["b"]),
        ("BPFDelegateMaps=a\n", []),
        ("[Service]\nbpfdelegatemaps=a\n", []),
        ("[Service]\nBPFDelegateMaps=a\n[Serv\nBPFDelegateMaps=b\n", ["a"]),
        ("[Service]\nBPFDelegateMaps=a\nX=\udcff\nBPFDelegateMaps=b\n", ["a"]),
        ("\ufeff[Service]\nBPFDelegateMaps=a\n", ["a"]),
    ],
)
def test_unit_file_reading(text: str, values: list[str]) -> None:
    unit = read_unit([UnitFile("x.service", text)])
    assert [a.value for a in unit.assignments()] == values


@pytest.mark.parametrize(
    ("header", "before_261", "from_261"),
    [("[]", ["a", "b"], ["a"]), ("[Serv*ice]", ["a", "b"], ["a"]), ("[[Service]]", ["a", "b"],
     ["a"]), ("[Service]]", ["a", "b"], ["a", "b"]), ('[Ser"vice]', ["a"], ["a"])],
)  # fmt: skip
def test_section_headers_by_release(
    header: str, before_261: list[str], from_261: list[str]
) -> None:
    text = f"[Service]\nBPFDelegateMaps=a\n{header}\n[Service]\nBPFDelegateMaps=b\n"
    for major, values in ((260, before_261), (261, from_261), (262, from_261)):
        unit = read_unit([UnitFile("x.service", text)], major=major)
        assert [a.value for a in unit.assignments()] == values, major


def test_unit_file_reading_is_systemds(systemd_real: SystemdOracle) -> None:
    texts = [
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\\\n,BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\\\n# c\n,BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\n[Serv\nBPFDelegateMaps=BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\nX=\udcff\nBPFDelegateMaps=any\n",
        "[Service]\rBPFDelegateMaps=BPFMapTypeHash\rBPFDelegateCommands=any",
        "[X-Y]\nBPFDelegateMaps=BPFMapTypeHash\n[Service]\nBPFDelegateCommands=BPFProgLoad\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\n[]\n[Service]\nBPFDelegateMaps=any\n",
        # line ends: a run of \n, \r and NUL with none repeated is one end
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\\\n\r,BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\\\n\n,BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\\\x00\n,BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\\\n\x00,BPFMapTypeArray\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\n[S*]\n[Service]\nBPFDelegateMaps=any\n",
        "[Service]\nBPFDelegateMaps=BPFMapTypeHash\n[Service]]\n[Service]\nBPFDelegateMaps=any\n",
    ]
    for text, parsed in zip(texts, systemd_real.units([[text] for text in texts]), strict=True):
        outcome = evaluate(read_unit([UnitFile("x.service", text)]).assignments(), load("262.1"))
        assert tuple(outcome.masks[kind] for kind in OptionKind) == parsed.masks, text


def test_systemctl_cat_output() -> None:
    text = (
        "# /usr/lib/systemd/system/a.service\n[Service]\nBPFDelegateCommands=BPFProgLoad\n\n"
        "# /etc/systemd/system/a.service.d/override.conf\n[Service]\n"
        "# /not/a/header because no blank line precedes it\nBPFDelegateCommands=BPFMapCreate\n"
    )
    files = split_systemctl_cat(text)
    assert [f.path for f in files] == [
        "/usr/lib/systemd/system/a.service",
        "/etc/systemd/system/a.service.d/override.conf",
    ]
    unit = read_unit(files)
    assert [(a.path, a.line, a.value) for a in unit.assignments()] == [
        ("/usr/lib/systemd/system/a.service", 2, "BPFProgLoad"),
        ("/etc/systemd/system/a.service.d/override.conf", 3, "BPFMapCreate"),
    ]


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_dropins_beside_a_unit_in_systemds_order(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "app-web.service": "[Service]\nBPFDelegateCommands=BPFProgLoad\n",
            "app-web.service.d/20-b.conf": "[Service]\nBPFDelegateMaps=any\n",
            "app-web.service.d/10-a.conf": "[Service]\nBPFDelegateCommands=BPFMapCreate\n",
            "app-.service.d/10-a.conf": "[Service]\nBPFDelegateCommands=any\n",  # hidden
            "app-.service.d/15-p.conf": "[Service]\nBPFDelegatePrograms=BPFProgTypeXdp\n",
            "service.d/05-all.conf": "[Service]\nPrivateBPF=yes\n",
            "other.service.d/x.conf": "[Service]\nBPFDelegateCommands=any\n",
        },
    )
    files, complete = unit_files(tmp_path / "app-web.service")
    assert complete
    assert [Path(f.path).relative_to(tmp_path).as_posix() for f in files] == [
        "app-web.service",
        "service.d/05-all.conf",
        "app-web.service.d/10-a.conf",
        "app-.service.d/15-p.conf",
        "app-web.service.d/20-b.conf",
    ]
    units = units_in(tmp_path)
    assert [(name, complete) for name, _, complete in units] == [
        ("app-web.service", True),
        ("other.service", False),
    ]
    other = read_unit(units[1][1], units[1][0], complete=False)
    assert other.name == "other.service" and not other.complete


@pytest.mark.parametrize(
    ("kind", "word", "message", "fix"),
    [
        (P, "syscall", "'syscall' is the kernel's syscall (bit 31), not a word of systemd "
         "262.1; systemd 262.1 writes bit 31 as BPFProgTypeNetfilter", "BPFProgTypeNetfilter"),
        (P, "BPFProgTypeSyscall", "'BPFProgTypeSyscall' is the kernel's syscall (bit 31), not "
         "a word of systemd 262.1; systemd 262.1 writes bit 31 as BPFProgTypeNetfilter",
         "BPFProgTypeNetfilter"),
        (P, "netfilter", "'netfilter' is the kernel's netfilter (bit 32), not a word of systemd "
         "262.1, and bit 32 cannot be written for systemd 262.1", None),
        (C, "prog_load", "'prog_load' is the kernel's prog_load (bit 5), not a word of systemd "
         "262.1; systemd 262.1 writes bit 5 as BPFProgLoad", "BPFProgLoad"),
        (C, "BPFProgRun", "'BPFProgRun' is the kernel's prog_run (bit 10), not a word of "
         "systemd 262.1; systemd 262.1 writes bit 10 as BPFProgTestRun", "BPFProgTestRun"),
    ],
)  # fmt: skip
def test_kernel_names_are_spelled_through_their_bit(
    kind: OptionKind, word: str, message: str, fix: str | None
) -> None:
    outcome = evaluate([Assignment(kind, f"{word},x")], load("262.1"), catalog("7.2.13"))
    note = outcome.notes[0]
    assert note.message == f"systemd 262.1 drops {word!r}: {message}"
    assert note.fix == (f"write {fix}" if fix else None)


def _long(length: int, split: bool) -> str:
    head = "BPFDelegateCommands=BPFProgLoad,"
    if not split:
        return f"[Service]\n{head}{'x' * (length - len(head))}\nBPFDelegateMaps=any\n"
    first = head + "x" * (length // 2 - len(head)) + "\\"
    return f"[Service]\n{first}\n{'y' * (length - len(first))}\nBPFDelegateMaps=any\n"


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("length", [2**20 - 1, 2**20, 2**20 + 1])
def test_a_line_of_a_mebibyte_stops_the_file_as_in_systemd(length: int, split: bool) -> None:
    # read_line() refuses a line of 2**20 bytes; joined continuations may reach it, not pass it
    unit = read_unit([UnitFile("x.service", _long(length, split))])
    expected = length < 2**20 or (split and length == 2**20)
    assert [a.kind for a in unit.assignments()] == ([C, M] if expected else [])
    assert [logged.stops for logged in unit.logged] == ([] if expected else [True])


def test_the_mebibyte_limit_is_systemds(systemd_real: SystemdOracle) -> None:
    texts = [_long(n, split) for n in (2**20 - 1, 2**20, 2**20 + 1) for split in (False, True)]
    for text, parsed in zip(texts, systemd_real.units([[t] for t in texts]), strict=True):
        outcome = evaluate(read_unit([UnitFile("x.service", text)]).assignments(), load("262.1"))
        assert tuple(outcome.masks[kind] for kind in OptionKind) == parsed.masks


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("[]=,\\\n\r\t #;aAB\udcffé\x00") | st.characters()))
def test_any_text_reads_without_failing(text: str) -> None:
    from kernels import catalog as kernel

    from delegopts.formats.systemd import scan_unit

    unit = read_unit([UnitFile("x.service", "[Service]\nBPFDelegateMaps=" + text)])
    evaluate(unit.assignments(), load("262.1"), kernel("7.2.13"))
    scan_unit(text, "x.service", kernel("7.2.13"), load("258"))
