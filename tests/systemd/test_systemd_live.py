"""From a unit file to the running kernel: systemd 262.1's own parser gives the four masks, the
kernel is handed them as systemd hands them (``0x...`` for each ``delegate_*``), and what the
kernel then shows must be what ``check`` predicts from the unit. Needs root and Debian's
systemd build; skips with the reason elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from systemd_oracle import SystemdOracle
from systemd_units import generate

from delegopts import Catalog, parse
from delegopts.catalog import OptionKind
from delegopts.formats.systemd import scan_unit_files
from delegopts.livekernel import TrialMounter
from delegopts.systemd.tables import load
from delegopts.systemd.units import UnitFile

pytestmark = pytest.mark.live  # tests/conftest.py skips these where bpffs cannot be mounted
UNITS = 400


@pytest.fixture(scope="module")
def kernel() -> Iterator[TrialMounter]:
    with TrialMounter() as mounter:
        yield mounter


def _systemd_data(masks: tuple[int, ...]) -> str:
    # exec-invoke.c's bpffs_helper(): fsconfig(delegate_X, "0x%" PRIx64) for all four
    return ",".join(f"{kind.key}={mask:#x}" for kind, mask in zip(OptionKind, masks, strict=True))


def test_units_mount_as_check_predicts(systemd_real: SystemdOracle, kernel: TrialMounter) -> None:
    running = Catalog.running_kernel()
    release = load(systemd_real.release)
    units = generate(7, UNITS, systemd_real.release)
    for files, parsed in zip(units, systemd_real.units(units), strict=True):
        mounted = kernel.trial(_systemd_data(parsed.masks))
        assert mounted.ok, (files, mounted)
        scan = scan_unit_files([UnitFile("x.service", files[0])] + [
            UnitFile(f"x.service.d/{n}.conf", text) for n, text in enumerate(files[1:])
        ], running, release)  # fmt: skip
        found = [f for f in scan.found if "BPFDelegate" in f.what]
        predicted = str(parse(found[0].options if found else "", running))
        assert mounted.options == predicted, files


def test_netfilter_mounts_as_syscall(systemd_real: SystemdOracle, kernel: TrialMounter) -> None:
    (parsed,) = systemd_real.units([["[Service]\nBPFDelegatePrograms=BPFProgTypeNetfilter\n"]])
    assert kernel.trial(_systemd_data(parsed.masks)).options == "delegate_progs=syscall"
