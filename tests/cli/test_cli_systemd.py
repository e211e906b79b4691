"""``check`` and ``format`` on systemd units as a chosen systemd release reads them: drop-ins,
folders of units, ``systemctl cat`` output, ``--systemd VERSION``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import run
from kernels import names_btf

S = ("--systemd", "262.1")


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "7.2.13.btf").write_bytes(names_btf("7.2.13"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    return run("check", "--btf", "7.2.13.btf", "--no-lint", *argv, stdin=stdin)


def _write(files: dict[str, str]) -> None:
    for name, text in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text)


APP = "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFProgLoad,BPFMapCreate\n"
OVERRIDE = "[Service]\n# a comment\nBPFDelegateCommands=BPFMapCreate\n"


def test_a_unit_brings_its_dropins_and_findings_land_on_their_file() -> None:
    _write({"app.service": APP, "app.service.d/override.conf": OVERRIDE})
    status, out, err = check(*S, "--unit", "app.service")
    assert status == 0
    assert out == (
        "app.service.d/override.conf:3: systemd 262.1 BPFDelegate*= settings of app.service: "
        "delegate_cmds=map_create\n"
    )
    assert err == (
        "units read as systemd 262.1 (--systemd 262.1)\n"
        "app.service.d/override.conf:3:21: warning: F205 BPFDelegateCommands=: this assignment "
        "replaces the one at app.service:4, whose BPFProgLoad it drops (systemd does not add "
        "assignments up); write every name in one assignment\n"
        "  BPFDelegateCommands=BPFMapCreate\n"
        "                      ^^^^^^^^^^^^\n"
        "1 option string checked: 1 warning\n"
    )


def test_a_lone_dropin_is_not_blamed_for_what_the_unit_file_may_set() -> None:
    _write({"app.service.d/override.conf": OVERRIDE})
    status, out, err = check(*S, "--unit", "app.service.d/override.conf")
    assert (status, err.splitlines()[-1]) == (0, "1 option string checked, no findings")
    assert "settings of app.service: delegate_cmds=map_create" in out


def test_a_folder_of_units() -> None:
    _write(
        {
            "system/app.service": APP,
            "system/app.service.d/override.conf": OVERRIDE,
            "system/other.service.d/x.conf": "[Service]\nBPFDelegateMaps=BPFMapTypeHash\n",
            "system/plain.service": "[Service]\nExecStart=/bin/true\n",
        }
    )
    status, out, _ = check(*S, "--unit", "system")
    assert status == 0
    assert out.splitlines() == [
        "system/app.service.d/override.conf:3: systemd 262.1 BPFDelegate*= settings of "
        "app.service: delegate_cmds=map_create",
        "system/other.service.d/x.conf:2: systemd 262.1 BPFDelegate*= settings of "
        "other.service: delegate_maps=hash",
    ]


def test_systemctl_cat_on_stdin() -> None:
    cat = (
        "# /usr/lib/systemd/system/app.service\n" + APP + "\n"
        "# /etc/systemd/system/app.service.d/override.conf\n" + OVERRIDE
    )
    status, out, err = check(*S, "--unit", "-", stdin=cat)
    assert status == 0
    assert out.startswith("/etc/systemd/system/app.service.d/override.conf:3: systemd 262.1")
    assert "/etc/systemd/system/app.service.d/override.conf:3:21: warning: F205" in err


def test_the_netfilter_shift_is_said() -> None:
    _write({"net.service": APP + "BPFDelegatePrograms=BPFProgTypeXdp,BPFProgTypeNetfilter\n"})
    _, out, err = check(*S, "net.service")
    assert "delegate_progs=xdp:syscall" in out
    assert (
        "net.service:5:36: warning: F207 BPFDelegatePrograms=: BPFProgTypeNetfilter is bit 31 "
        "in systemd 262.1's table, which kernel 7.2.13.btf reads as syscall: the token delegates "
        "syscall, not what the name says; the kernel's netfilter (bit 32) has no word in systemd "
        "262.1; remove it unless syscall is wanted; only 'any' delegates the kernel's own bit\n"
    ) in err


@pytest.mark.parametrize(
    ("release", "dropped"),
    [("258.3", "BPFMapTypeInsnArray is known from systemd 258.4 on"), ("258.4", None)],
)
def test_the_release_decides_which_names_exist(release: str, dropped: str | None) -> None:
    _write({"m.service": APP + "BPFDelegateMaps=BPFMapTypeHash,BPFMapTypeInsnArray\n"})
    _, out, err = check("--systemd", release, "m.service")
    assert f"units read as systemd {release} (--systemd {release})" in err
    assert (dropped in err) if dropped else ("F201" not in err)
    assert ("delegate_maps=hash\n" in out) == bool(dropped)


def test_json_names_the_release() -> None:
    _write({"app.service": APP})
    status, out, err = check(*S, "--json", "app.service")
    report = json.loads(out)
    assert (status, err) == (0, "")
    assert report["inputs"][0]["what"] == "systemd 262.1 BPFDelegate*= settings of app.service"


@pytest.mark.parametrize("version", ["263", "257", "latest"])
def test_unknown_release_is_a_usage_error(version: str) -> None:
    _write({"app.service": APP})
    status, _, err = check("--systemd", version, "app.service")
    assert status == 2
    assert "known releases: 258-258.10, 259-259.8, 260-260.4, 261-261.2, 262.1" in err or (
        "not a systemd version" in err
    )


def test_format_to_systemd_writes_the_shifted_name_and_says_what_it_cannot() -> None:
    status, out, err = run(
        "format", "--btf", "7.2.13.btf", *S, "--to", "systemd",
        "delegate_cmds=prog_load,delegate_progs=xdp:syscall:netfilter",
    )  # fmt: skip
    assert status == 0
    assert out == (
        "PrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFProgLoad\n"
        "BPFDelegatePrograms=BPFProgTypeXdp,BPFProgTypeNetfilter\n"
    )
    assert err == (
        "warning: systemd 262.1 cannot express delegate_progs bit 32 (netfilter): systemd 262.1 "
        "has no word for it\n"
        "note: BPFProgTypeNetfilter is how systemd 262.1 writes delegate_progs bit 31, which the "
        "kernel calls syscall\n"
    )


def test_format_from_systemd_follows_systemd() -> None:
    status, out, err = run(
        "format", "--btf", "7.2.13.btf", *S, "--from", "systemd",
        "BPFDelegateCommands=BPFProgLoad", "BPFDelegateCommands=BPFMapCreate,bogus",
        "BPFDelegatePrograms=BPFProgTypeNetfilter",
    )  # fmt: skip
    assert (status, out) == (0, "delegate_cmds=map_create,delegate_progs=syscall\n")
    assert [line.split(": ")[1] for line in err.splitlines() if line.startswith("<arg")] == [
        "warning", "warning", "warning",
    ]  # fmt: skip
    assert "F205" in err and "F201" in err and "F207" in err


def test_kernel_findings_land_on_the_file_that_set_the_bit() -> None:
    cat = (Path(__file__).parents[1] / "data" / "bpf-collector.cat").read_text()
    status, out, err = run(
        "check", "--btf", "7.2.13.btf", *S, "--ignore", "D501,D502", "--unit", "-", stdin=cat
    )
    assert status == 0
    assert out.startswith("/usr/lib/systemd/system/bpf-collector.service:9: systemd 262.1")
    located = [line.split(": ")[:3] for line in err.splitlines() if line.startswith("/")]
    main, dropin = (
        "/usr/lib/systemd/system/bpf-collector.service",
        ("/etc/systemd/system/bpf-collector.service.d/override.conf"),
    )
    assert [f"{where} {code.split()[0]}" for where, _, code in located] == [
        f"{main}:9:1 D401",  # delegate_maps comes from the unit's own file
        f"{dropin}:3:21 F205",
        f"{dropin}:3:33 F201",
        f"{dropin}:4:21 F204",
        f"{dropin}:4:21 F205",
        f"{dropin}:5:21 D409",
        f"{dropin}:5:36 F207",
        f"{dropin}:5:36 D408",
    ]


def test_a_folder_of_dropins_names_its_unit() -> None:
    _write({"app.service.d/a.conf": OVERRIDE, "app.service.d/b.conf": "[Service]\nPrivateBPF=no\n"})
    status, out, err = check(*S, "--unit", "app.service.d")
    assert status == 0
    assert out == (
        "app.service.d/a.conf:3: systemd 262.1 BPFDelegate*= settings of app.service: "
        "delegate_cmds=map_create\n"
    )
    assert "F202 BPFDelegateCommands= has no effect: PrivateBPF= is 'no'" in err


def test_a_settings_file_names_the_release(monkeypatch: pytest.MonkeyPatch) -> None:
    _write({"app.service": APP + "BPFDelegateMaps=BPFMapTypeInsnArray\n"})
    Path("delegopts.toml").write_text('systemd = "258.3"\n')
    _, _, err = check("app.service")
    toml = Path.cwd() / "delegopts.toml"
    assert err.startswith(f"units read as systemd 258.3 (systemd = '258.3' in {toml})\n")
    assert "F201" in err  # 258.3 has no BPFMapTypeInsnArray
    _, _, err = check("--systemd", "258.4", "app.service")  # the command line wins
    assert err.startswith("units read as systemd 258.4") and "F201" not in err
    Path("delegopts.toml").write_text('systemd = "257"\n')
    status, _, err = check("app.service")
    assert status == 2
    assert err.startswith(f"delegopts: systemd = '257' in {toml}: no BPFDelegate*= tables")
    Path("delegopts.toml").write_text('systemd = "latest"\n')
    status, _, err = check("app.service")
    assert (status, err) == (2, f"delegopts: systemd = 'latest' in {toml}: not a systemd "
                                "version; give the release, e.g. 262.1 or 258\n")  # fmt: skip
    Path("delegopts.toml").write_text("systemd = 258\n")
    status, _, err = check("app.service")
    assert status == 2 and err.endswith("delegopts.toml: systemd must be a string\n")


NAMES = [
    # kernel, release, option, kernel name: the word systemd writes for its bit, the note
    ("7.2.13", "262.1", "progs", "syscall", "BPFProgTypeNetfilter",
     "systemd 262.1 writes this bit as BPFProgTypeNetfilter, which is another type's name"),
    ("7.2.13", "262.1", "progs", "netfilter", None,
     "no systemd 262.1 word sets this bit: only 'any' does"),
    ("7.2.13", "262.1", "cmds", "prog_load", "BPFProgLoad", None),
    ("7.2.13", "262.1", "cmds", "prog_run", None, "alias of prog_test_run"),
    ("7.2.13", "258", "maps", "rhash", None, "no systemd 258 word sets this bit: only 'any' does"),
    ("7.2.13", "262.1", "maps", "rhash", "BPFMapTypeRhash", None),
    ("7.2.13", "258", "attachs", "trace_fsession", None,
     "no systemd 258 word sets this bit: only 'any' does"),
]  # fmt: skip


@pytest.mark.parametrize("case", NAMES, ids=lambda case: "-".join(map(str, case[:4])))
def test_names_shows_the_word_systemd_writes_for_each_bit(
    case: tuple[str, str, str, str, str | None, str | None],
) -> None:
    kernel, release, kind, name, word, note = case
    argv = ("names", "--kernel", kernel, "--kind", kind, "--systemd", release)
    status, out, err = run(*argv, "--json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert document["systemd"] == f"systemd {release} (--systemd {release})"
    rows = document["options"][f"delegate_{kind}"]["names"]
    (row,) = [row for row in rows if row["name"] == name]
    assert row["systemd"] == word
    status, out, _ = run(*argv)
    (line,) = [line for line in out.splitlines() if line.split()[:1] == [name]]
    assert (word or "") in line
    assert line.endswith(note) if note else line.split()[-1] == (word or row["declared"])


def test_names_lists_systemd_words_for_bits_the_kernel_lacks() -> None:
    argv = ("names", "--kernel", "6.1.170", "--kind", "maps", "--systemd", "258")
    document = json.loads(run(*argv, "--json")[1])
    assert document["options"]["delegate_maps"]["systemd_only"] == [
        {"systemd": "BPFMapTypeCgrpStorage", "bit": 32},
        {"systemd": "BPFMapTypeArena", "bit": 33},
    ]
    assert (
        "  systemd 258 also has words for bits this kernel lacks: BPFMapTypeCgrpStorage (bit 32), "
        "BPFMapTypeArena (bit 33)\n"
    ) in run(*argv)[1]


def test_names_without_systemd_has_no_systemd_column() -> None:
    status, out, _ = run("names", "--kernel", "7.2.13", "--kind", "progs")
    assert status == 0 and "systemd" not in out and "BPFProgType" not in out
    document = json.loads(run("names", "--kernel", "7.2.13", "--json")[1])
    assert "systemd" not in document
    assert all("systemd" not in row for row in document["options"]["delegate_progs"]["names"])


#: A root as an image holds it: the vendor's unit, a runtime copy that overrides it, an
#: administrator's drop-in hiding a same-named runtime one, drop-ins for every service.
_E, _R, _U = "img/etc/systemd/system", "img/run/systemd/system", "img/usr/lib/systemd/system"
ROOT = {
    f"{_U}/app.service": APP,
    f"{_R}/app.service": "[Service]\nPrivateUsers=yes\n",
    f"{_E}/app.service.d/cmds.conf": "[Service]\nBPFDelegateCommands=BPFProgLoad\n",
    f"{_R}/app.service.d/cmds.conf": "[Service]\nBPFDelegateCommands=BPFMapCreate\n",
    f"{_U}/service.d/99-all.conf": "[Service]\nBPFDelegatePrograms=BPFProgTypeXdp\n",
    f"{_U}/plain.service": "[Service]\nExecStart=/bin/true\n",
    f"{_E}/orphan.service.d/x.conf": "[Service]\nPrivateBPF=yes\n",
}  # fmt: skip


def test_root_finds_a_unit_through_the_whole_search_path() -> None:
    # The runtime copy is the unit's own file (it has no PrivateBPF=), /etc's cmds.conf hides
    # the runtime one, and service.d's drop-in applies to every service.
    _write(ROOT)
    assert check(*S, "--root", "img", "--unit", "app.service") == (
        0,
        "img/usr/lib/systemd/system/service.d/99-all.conf:2: systemd 262.1 BPFDelegate*= "
        "settings of app.service: delegate_cmds=prog_load,delegate_progs=xdp\n",
        "units read as systemd 262.1 (--systemd 262.1)\n"
        "img/etc/systemd/system/app.service.d/cmds.conf:2:1: warning: F202 "
        "BPFDelegateCommands= has no effect: PrivateBPF= is not set, so systemd mounts no "
        "bpffs; add PrivateBPF=yes\n"
        "  BPFDelegateCommands=BPFProgLoad\n"
        "  ^^^^^^^^^^^^^^^^^^^\n"
        "1 option string checked: 1 warning\n",
    )


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--unit", "gone.service"], 3, "delegopts: gone.service: masked under img "
         "(img/etc/systemd/system/gone.service is empty or a link to /dev/null): systemd "
         "loads none of its settings\n"),
        (["--unit", "orphan.service"], 3, "delegopts: orphan.service: no such unit under img "
         "(searched etc/systemd/system.control, run/systemd/system.control, ... "
         "usr/lib/systemd/system and run/systemd/generator.late)\n"),
        (["--unit", "nothing.service"], 3, "delegopts: nothing.service: no such unit under img "
         "(searched etc/systemd/system.control, run/systemd/system.control, ... "
         "usr/lib/systemd/system and run/systemd/generator.late)\n"),
    ],
)  # fmt: skip
def test_root_refuses_what_systemd_would_not_load(
    argv: list[str], status: int, message: str
) -> None:
    _write(ROOT)
    Path("img/etc/systemd/system/gone.service").symlink_to("/dev/null")
    got = check(*S, "--root", "img", *argv)
    assert (got[0], got[1], got[2]) == (status, "", message)


def test_root_alone_checks_every_unit_there() -> None:
    _write(ROOT)
    Path("img/etc/systemd/system/gone.service").symlink_to("/dev/null")
    status, out, err = check(*S, "--root", "img", "--format", "jsonl")
    assert status == 0, err
    # app.service and plain.service (which sets nothing but takes service.d's drop-in);
    # masked and drop-ins-only units are no units systemd loads
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line.get("problem") or line)["file"] for line in lines] == [
        "img/etc/systemd/system/app.service.d/cmds.conf",
        "img/usr/lib/systemd/system/service.d/99-all.conf",
        "img/usr/lib/systemd/system/service.d/99-all.conf",
        "img/usr/lib/systemd/system/service.d/99-all.conf",
    ]
    assert [line.get("input") for line in lines] == [
        None, "delegate_cmds=prog_load,delegate_progs=xdp", None, "delegate_progs=xdp",
    ]  # fmt: skip


def test_root_must_be_a_folder() -> None:
    _write(ROOT)
    assert check(*S, "--root", "img/usr/lib/systemd/system/app.service") == (
        3, "", "delegopts: img/usr/lib/systemd/system/app.service: --root needs a folder (the "
        "root of the tree systemd would see)\n",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("library", "said"),
    [
        ("usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-258.so",
         "units read as systemd 258 (installed under img)\n"),
        ("usr/lib/systemd/libsystemd-shared-257.9-1.so",
         "units read as systemd 262.1 (newest known; the systemd 257 installed under img has "
         "no BPFDelegate*= settings)\n"),
        (None, "units read as systemd 262.1 (newest known; no systemd found under img)\n"),
    ],
)  # fmt: skip
def test_root_reads_units_as_the_systemd_of_the_root(library: str | None, said: str) -> None:
    """Under --root the image's systemd decides (its private library's name), never the
    systemd of the machine that runs the check."""
    _write(ROOT)
    if library is not None:
        Path("img", library).parent.mkdir(parents=True, exist_ok=True)
        Path("img", library).write_bytes(b"")
    status, _, err = check("--root", "img", "--unit", "app.service")
    assert (status, err.splitlines(keepends=True)[0]) == (0, said)


def test_root_reads_an_alias_as_the_unit_it_names() -> None:
    """systemctl enable writes Alias= as a link: the unit is the target, and drop-ins of
    both names apply."""
    _write(ROOT)
    Path("img/etc/systemd/system/web.service").symlink_to("/usr/lib/systemd/system/app.service")
    _write({"img/etc/systemd/system/web.service.d/on.conf": "[Service]\nPrivateBPF=yes\n"})
    status, out, err = check(*S, "--root", "img", "--unit", "web.service")
    assert status == 0, err
    assert "settings of app.service: delegate_cmds=prog_load,delegate_progs=xdp" in out
    assert "F202" not in err  # web.service.d's PrivateBPF=yes applies to app.service


def test_root_alone_also_checks_the_fstab_of_the_root() -> None:
    _write({**ROOT, "img/etc/fstab": "# image\nbpffs /run/t bpf delegate_cmds=prog_lod 0 0\n"})
    status, out, err = check(*S, "--root", "img")
    assert status == 1, err  # the fstab line's unknown name is an error
    assert "img/etc/fstab:2:32: error: EINVAL delegate_cmds: 'prog_lod'" in err
    assert "app.service" in out  # and the units are checked too


def test_a_root_fstab_without_bpffs_is_no_finding() -> None:
    """Most images mount no bpffs in fstab: read because it is there, it says nothing (F105
    is for an fstab one asked to check)."""
    _write({**ROOT, "img/etc/fstab": "UUID=1 / ext4 defaults 0 1\n"})
    status, _, err = check(*S, "--root", "img")
    assert status == 0 and "F105" not in err, err
    assert "F105" in check(*S, "--fstab", "img/etc/fstab")[2]


def test_a_unit_folder_lists_dropins_as_systemd_does() -> None:
    """Beside a unit as under a root: a drop-in linked to /dev/null hides the same-named
    one of a more generic folder, hidden files are no drop-ins."""
    _write(
        {
            "app.service": APP,
            "service.d/x.conf": "[Service]\nBPFDelegateMaps=BPFMapTypeHash\n",
            "app.service.d/.y.conf": "[Service]\nBPFDelegatePrograms=BPFProgTypeXdp\n",
        }
    )
    Path("app.service.d/x.conf").symlink_to("/dev/null")
    status, out, err = check(*S, "--unit", "app.service")
    assert status == 0, err
    assert out == (
        "app.service:4: systemd 262.1 BPFDelegate*= settings of app.service: "
        "delegate_cmds=map_create:prog_load\n"
    )
