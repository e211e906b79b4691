"""delegopts' model of systemd against systemd's own unit-file parser (Debian's 262 build).

Thousands of generated units (a main file and drop-ins: repeated and empty assignments,
unknown words, ``any`` in lists, blanks, numbers, case, escapes, continuations, comments,
odd sections) are read by ``config_parse()`` of ``libsystemd-core-262.so`` and by
:mod:`delegopts.systemd`; the four masks must be equal, and the words delegopts says
systemd drops must be exactly those systemd logs as "Unknown BPF delegate option".
"""

from __future__ import annotations

import re

import pytest
from systemd_oracle import SystemdOracle
from systemd_units import generate

from delegopts.catalog import OptionKind
from delegopts.systemd.model import NoteKind, evaluate
from delegopts.systemd.tables import load
from delegopts.systemd.units import UnitFile, read_unit

UNITS = 6000
BATCH = 500
_UNKNOWN = "Unknown BPF delegate option, ignoring: "


def _ours(
    files: list[str], release: str, kind: str = "service"
) -> tuple[tuple[int, ...], list[str]]:
    names = [f"x.{kind}"] + [f"x.{kind}.d/{n:02d}.conf" for n in range(1, len(files))]
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


_PARSE_FAILED = re.compile(r"^/etc/systemd/system/(\S+):(\d+): Failed to parse (Private\w+)=")


def test_private_bpf_and_users_are_read_as_systemd_reads_them(
    systemd_real: SystemdOracle,
) -> None:
    """Whether check says PrivateBPF= is off (F202) or the service has no user namespace
    (F203) follows the values systemd's parser ends with, and the PrivateBPF=/PrivateUsers=
    lines check calls ignored (F208) are the ones systemd logs it cannot parse."""
    from kernels import catalog

    from delegopts.diagnostics import Code
    from delegopts.formats.systemd import scan_unit_files

    kernel, release = catalog("7.2.13"), load(systemd_real.release)
    units = generate(7, 3000, systemd_real.release)
    compared = 0
    for files, parsed in zip(units, systemd_real.units(units), strict=True):
        named = ["x.service"] + [f"x.service.d/{n:02d}.conf" for n in range(1, len(files))]
        unit_files = [UnitFile(name, text) for name, text in zip(named, files, strict=True)]
        if not read_unit(unit_files, major=release.major).assignments():
            continue  # check says nothing of these settings in a unit that delegates nothing
        compared += 1
        findings = scan_unit_files(unit_files, kernel, release).findings
        codes = {d.code for d in findings}
        ignored = sorted(
            (d.location.path, d.location.line, d.message.split("=", 1)[0])
            for d in findings
            if d.code is Code.SYSTEMD_IGNORED
            and d.location is not None
            and d.message.startswith("Private")
        )
        logged = sorted(
            (match[1], int(match[2]), match[3])
            for match in map(_PARSE_FAILED.match, parsed.log)
            if match is not None
        )
        assert ignored == logged, (files, parsed.log)
        assert (Code.SYSTEMD_NO_PRIVATE_BPF in codes) == (parsed.private_bpf == 0), files
        no_users = parsed.private_bpf != 0 and parsed.private_users == 0
        assert (Code.SYSTEMD_NO_PRIVATE_USERS in codes) == no_users, files
    assert compared > 1000


@pytest.mark.parametrize(("kind", "section"), [("socket", "Socket"), ("mount", "Mount"),
                                               ("swap", "Swap")])  # fmt: skip
def test_other_unit_types_read_their_own_section(
    systemd_real: SystemdOracle, kind: str, section: str
) -> None:
    """Sockets, mounts and swaps have an execution environment too, in [Socket], [Mount],
    [Swap]: the same generated units with that section (and [Service] now a section they
    do not read) give systemd's masks and dropped words."""
    units = [
        [text.replace("Service", section) if number % 3 else text for text in files]
        for number, files in enumerate(generate(31, 1200, systemd_real.release))
    ]
    failures = []
    for files, parsed in zip(units, systemd_real.units(units, kind), strict=True):
        masks, dropped = _ours(files, systemd_real.release, kind)
        logged = [line.removeprefix(_UNKNOWN) for line in parsed.log if line.startswith(_UNKNOWN)]
        if (masks, dropped) != (parsed.masks, logged) and len(failures) < 5:
            failures.append(f"{files!r}: systemd {parsed.masks} {logged}, ours {masks} {dropped}")
    assert not failures, "\n".join(failures)
