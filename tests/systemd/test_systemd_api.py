"""The library checks a unit as ``check --unit`` does: with its drop-ins, as a given release."""

from __future__ import annotations

from pathlib import Path

from kernels import catalog

import delegopts


def test_check_file_reads_the_dropins_as_the_release(tmp_path: Path) -> None:
    unit = tmp_path / "app.service"
    unit.write_text(
        "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFProgLoad\n"
    )
    (tmp_path / "app.service.d").mkdir()
    (tmp_path / "app.service.d" / "x.conf").write_text(
        "[Service]\nBPFDelegateCommands=BPFMapCreate\nBPFDelegateMaps=BPFMapTypeInsnArray\n"
    )
    policy = delegopts.Policy(frozenset(delegopts.parse_codes(["D501", "D502", "D406"])))
    report = delegopts.check_file(unit, catalog("7.2.13"), policy=policy, systemd="258.3")
    assert [(f.code.value, Path(f.path).name, f.line) for f in report.findings] == [
        ("F205", "x.conf", 2),
        ("F201", "x.conf", 3),  # 258.3 has no BPFMapTypeInsnArray
        ("F206", "x.conf", 3),
    ]
    (checked,) = report.results
    assert str(checked.options) == "delegate_cmds=map_create"
    assert checked.found.what == "systemd 258.3 BPFDelegate*= settings of app.service"


def test_check_text_of_a_unit_takes_the_release() -> None:
    text = "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegatePrograms=BPFProgTypeNetfilter\n"
    report = delegopts.check_text(text, "unit", catalog("7.2.13"), path="n.service",
                                  systemd="262.1", lint=False)  # fmt: skip
    assert [f.code.value for f in report.findings] == ["F207"]
    assert str(report.results[0].options) == "delegate_progs=syscall"


def test_an_unparsable_private_bpf_is_ignored() -> None:
    text = (
        "[Service]\nPrivateBPF=YES\nPrivateBPF=maybe\nPrivateUsers=yes\n"
        "BPFDelegateCommands=BPFProgLoad\n"
    )
    report = delegopts.check_text(text, "unit", catalog("7.2.13"), path="p.service", lint=False)
    # systemd keeps PrivateBPF=YES (no F202) and logs the line it ignores (F208)
    assert [(f.code.value, f.line) for f in report.findings] == [("F208", 3)]
