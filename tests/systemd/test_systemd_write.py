"""``format --to systemd``: the settings a release reads back to the same masks, proven with
delegopts' model (hypothesis) and with systemd's own parser (Debian's 262.1 build)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernels import catalog
from systemd_oracle import SystemdOracle

from delegopts.catalog import Catalog, OptionKind
from delegopts.semantics import parse
from delegopts.systemd.model import evaluate
from delegopts.systemd.tables import Release, known, load
from delegopts.systemd.units import UnitFile, read_unit
from delegopts.systemd.write import to_settings

KERNEL = "7.2.13"


def _options_text(masks: dict[OptionKind, int]) -> str:
    return ",".join(f"{kind.key}={mask:#x}" for kind, mask in masks.items() if mask)


def _random_masks(rng: random.Random, kernel: Catalog) -> dict[OptionKind, int]:
    masks: dict[OptionKind, int] = {}
    for kind in OptionKind:
        roll = rng.random()
        if roll < 0.2:
            masks[kind] = 0
        elif roll < 0.3:
            masks[kind] = kernel[kind].any_mask
        else:
            bits = [n.bit for n in kernel[kind].names if n.fits]
            masks[kind] = sum({1 << rng.choice(bits) for _ in range(rng.randrange(1, 6))})
    return masks


def _expected(masks: dict[OptionKind, int], release: Release, kernel: Catalog) -> dict:
    """What must come back: every bit that has a systemd word; all 64 for the kernel's any."""
    out = {}
    for kind, mask in masks.items():
        if mask and mask == kernel[kind].any_mask:
            out[kind] = (1 << 64) - 1
        else:
            out[kind] = sum(1 << b for b in range(64) if mask >> b & 1 and release.name(kind, b))
    return out


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32), version=st.sampled_from(known()))
def test_settings_read_back_to_the_same_masks(seed: int, version: str) -> None:
    kernel, release = catalog(KERNEL), load(version)
    masks = _random_masks(random.Random(seed), kernel)
    written = to_settings(parse(_options_text(masks), kernel), release)
    unit = read_unit([UnitFile("x.service", "[Service]\n" + "\n".join(written.lines) + "\n")])
    outcome = evaluate(unit.assignments(), release)
    assert outcome.notes == ()
    assert outcome.masks == written.masks == _expected(masks, release, kernel)


def test_what_cannot_be_written_is_said() -> None:
    kernel = catalog(KERNEL)
    options = parse("delegate_progs=xdp:netfilter:syscall,uid=1000", kernel)
    written = to_settings(options, load("262.1"))
    assert written.lines[-1] == "BPFDelegatePrograms=BPFProgTypeXdp,BPFProgTypeNetfilter"
    assert written.lost == (
        "delegate_progs bit 32 (netfilter): systemd 262.1 has no word for it",
        "uid=1000: systemd mounts bpffs for the service's own user",
    )
    assert written.notes == (
        "BPFProgTypeNetfilter is how systemd 262.1 writes delegate_progs bit 31, "
        "which the kernel calls syscall",
    )


@pytest.mark.parametrize(
    ("options", "version", "line"),
    [
        ("delegate_maps=insn_array", "258.3", None),
        ("delegate_maps=insn_array", "258.4", "BPFDelegateMaps=BPFMapTypeInsnArray"),
        ("delegate_cmds=any", "258", "BPFDelegateCommands=any"),
        ("delegate_attachs=trace_fsession_multi", "261.2", None),
        (
            "delegate_attachs=trace_fsession_multi",
            "262.1",
            "BPFDelegateAttachments=BPFTraceFsessionMulti",
        ),
    ],
)
def test_by_release(options: str, version: str, line: str | None) -> None:
    written = to_settings(parse(options, catalog(KERNEL)), load(version))
    assert written.lines[2:] == ((line,) if line else ())


def test_settings_read_back_by_systemd_itself(systemd_real: SystemdOracle) -> None:
    kernel, release = catalog(KERNEL), load(systemd_real.release)
    rng = random.Random(262)
    cases = [_random_masks(rng, kernel) for _ in range(2000)]
    written = [to_settings(parse(_options_text(masks), kernel), release) for masks in cases]
    units = [["[Service]\n" + "\n".join(w.lines) + "\n"] for w in written]
    parsed = systemd_real.units(units)
    for masks, settings_, real in zip(cases, written, parsed, strict=True):
        expected = _expected(masks, release, kernel)
        assert real.masks == tuple(expected[kind] for kind in OptionKind), settings_.lines
        assert not [line for line in real.log if "Unknown" in line]
