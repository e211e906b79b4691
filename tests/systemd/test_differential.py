"""delegopts' model of systemd against systemd's own unit-file parser (Debian's 262 build).

Thousands of generated units (a main file and drop-ins: repeated and empty assignments,
unknown words, ``any`` in lists, blanks, numbers, case, escapes, continuations, comments,
odd sections) are read by ``config_parse()`` of ``libsystemd-core-262.so`` and by
:mod:`delegopts.systemd`; the four masks must be equal, and the words delegopts says
systemd drops must be exactly those systemd logs as "Unknown BPF delegate option".
"""

from __future__ import annotations

import random

from systemd_oracle import SystemdOracle

from delegopts.catalog import OptionKind
from delegopts.systemd.model import NoteKind, evaluate
from delegopts.systemd.tables import load
from delegopts.systemd.units import SETTINGS, UnitFile, read_unit

UNITS = 6000
BATCH = 500
_UNKNOWN = "Unknown BPF delegate option, ignoring: "


def _word(rng: random.Random, kind: OptionKind, release: str) -> str:
    names = load(release).names(kind)
    other = load(release).names(rng.choice(list(OptionKind)))
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(names)
    if roll < 0.62:
        return rng.choice(other)  # a name of another option
    if roll < 0.68:
        return rng.choice(names).lower()
    if roll < 0.72:
        return "any"
    if roll < 0.76:
        return rng.choice(["5", "0x1", "31", "prog_load", "BPF_PROG_LOAD", "xdp", "-1", ":"])
    if roll < 0.80:
        return rng.choice(["BPFProgTypeSyscall", "BPFProgRun", "BPFMapTypeCgroupStorage"])
    if roll < 0.84:
        return rng.choice([" ", "\t"]) + rng.choice(names)
    if roll < 0.87:
        return rng.choice(names) + rng.choice([" ", "\t", "\\", "\\\\"])
    if roll < 0.90:
        name = rng.choice(names)
        cut = rng.randrange(len(name))
        return name[:cut] + "\\" + name[cut:]
    if roll < 0.93:
        return rng.choice(names)[:-1]
    return rng.choice(["bogus", "ANY", "Any", "BPFMapcreate", "é", "BPFMapCreate:BPFProgLoad"])


def _value(rng: random.Random, kind: OptionKind, release: str) -> str:
    roll = rng.random()
    if roll < 0.08:
        return ""
    if roll < 0.14:
        return "any"
    if roll < 0.17:
        return rng.choice([" any", "any ", ",any", "any,", "\\any"])
    count = rng.choice([1, 1, 2, 2, 3, 4, 6])
    words = [_word(rng, kind, release) for _ in range(count)]
    value = words[0]
    for word in words[1:]:
        value += rng.choice([",", ",", ",", ",,", ", ", " ,", "\\,"]) + word
    if rng.random() < 0.05:
        value = rng.choice([",", ",,"]) + value
    if rng.random() < 0.05:
        value += ","
    return value


def _line(rng: random.Random, release: str) -> str:
    roll = rng.random()
    if roll < 0.72:
        kind = rng.choice(list(OptionKind))
        key = SETTINGS[kind]
        if rng.random() < 0.03:
            key = key.lower()
        eq = rng.choice(["=", "=", "=", " = ", "= ", "\t="])
        value = _value(rng, kind, release)
        if rng.random() < 0.06 and value:
            cut = rng.randrange(len(value) + 1)  # a continuation line inside the value
            lead = rng.choice(["", " ", "\t"])
            if rng.random() < 0.3:
                lead = "# a comment\n" + lead
            value = value[:cut] + "\\\n" + lead + value[cut:]
        return rng.choice(["", "", " "]) + key + eq + value + rng.choice(["", "", " ", "\t"])
    if roll < 0.78:
        return rng.choice(["# comment", "; comment", "  # BPFDelegateCommands=any", ""])
    if roll < 0.84:
        return rng.choice(["[Service]", "[Service]", "[Unit]", "[X-Extra]", "[Install]"])
    if roll < 0.87:
        return rng.choice(["[Socket]", "[Bogus]", " [Service] "])
    if roll < 0.90:
        # Only settings whose parsers write a plain field: the child's Service object is
        # zeroed memory, not a unit, and most parsers reach into the unit.
        return rng.choice(["PrivateBPF=yes", "PrivateBPF=no", "NoSuchSetting=1"])
    if roll < 0.92:
        return rng.choice(["noequals", "=value", "BPFDelegateCommands"])
    if roll < 0.93:
        # systemd stops reading the file (the last three from 261 on)
        return rng.choice(["[Service", '[Ser"vice]', "[]", "[Ser*vice]", "[[Service]]"])
    return ""


def _file(rng: random.Random, release: str) -> str:
    lines = ["[Service]"] if rng.random() < 0.9 else []
    lines += [_line(rng, release) for _ in range(rng.randrange(1, 9))]
    end = rng.choice(["\n", "\n", "\n", "\r\n", "\r"])
    text = end.join(lines)
    return text + (end if rng.random() < 0.9 else "")


def generate(seed: int, count: int, release: str) -> list[list[str]]:
    rng = random.Random(seed)
    return [[_file(rng, release) for _ in range(rng.choice([1, 1, 2, 3]))] for _ in range(count)]


def _ours(files: list[str], release: str) -> tuple[tuple[int, ...], list[str]]:
    names = ["x.service"] + [f"x.service.d/{n:02d}.conf" for n in range(1, len(files))]
    files_ = [UnitFile(name, text) for name, text in zip(names, files, strict=True)]
    unit = read_unit(files_, major=load(release).major)
    outcome = evaluate(unit.assignments(), load(release))
    dropped = [
        word.text
        for effect in outcome.effects
        if effect.assignment.value != "any"
        for word in effect.words
        if word.bit is None
    ]
    noted = [
        note for note in outcome.notes if note.kind in (NoteKind.DROPPED, NoteKind.ANY_IN_LIST)
    ]
    assert len(noted) == len(dropped)  # each dropped word is said
    return tuple(outcome.masks[kind] for kind in OptionKind), dropped


def test_generated_units_agree_with_systemd(systemd_real: SystemdOracle) -> None:
    units = generate(262, UNITS, systemd_real.release)
    agree = 0
    failures: list[str] = []
    for start in range(0, len(units), BATCH):
        batch = units[start : start + BATCH]
        for files, parsed in zip(batch, systemd_real.units(batch), strict=True):
            masks, dropped = _ours(files, systemd_real.release)
            logged = [
                line.removeprefix(_UNKNOWN) for line in parsed.log if line.startswith(_UNKNOWN)
            ]
            if masks == parsed.masks and dropped == logged:
                agree += 1
            elif len(failures) < 5:
                failures.append(
                    f"{files!r}: systemd {parsed.masks} {logged}, ours {masks} {dropped}"
                )
    print(f"{agree} of {len(units)} generated units agree with systemd {systemd_real.release}")
    assert agree == len(units), "\n".join(failures)


def test_what_check_hands_the_kernel_is_systemds_masks(systemd_real: SystemdOracle) -> None:
    """The data string ``check`` builds from a unit (kernel names for systemd's bits) gives
    the kernel the masks systemd's own parser ends with."""
    from kernels import catalog

    from delegopts.formats.systemd import scan_unit_files
    from delegopts.semantics import parse

    kernel, release = catalog("7.2.13"), load(systemd_real.release)
    units = generate(2026, 1500, systemd_real.release)
    for files, parsed in zip(units, systemd_real.units(units), strict=True):
        named = ["x.service"] + [f"x.service.d/{n:02d}.conf" for n in range(1, len(files))]
        scan = scan_unit_files(
            [UnitFile(name, text) for name, text in zip(named, files, strict=True)],
            kernel,
            release,
        )
        found = [f for f in scan.found if "BPFDelegate" in f.what]
        options = parse(found[0].options if found else "", kernel)
        expected = [
            mask & kernel[kind].any_mask
            for kind, mask in zip(OptionKind, parsed.masks, strict=True)
        ]
        assert [mask.effective for mask in options] == expected, (files, found)
