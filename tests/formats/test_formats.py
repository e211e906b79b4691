"""The file formats: what data string each line gives the kernel, and where it came from."""

from __future__ import annotations

import pytest
from kernels import catalog

from delegopts.errors import Span
from delegopts.formats import guess_format
from delegopts.formats.cmdline import scan_command, split_words
from delegopts.formats.fstab import scan_fstab
from delegopts.formats.incus import scan_incus, to_incus
from delegopts.formats.mountinfo import looks_like_mountinfo, scan_mountinfo, scan_mounts
from delegopts.formats.mountopts import kernel_data
from delegopts.formats.systemd import scan_unit, systemd_name
from delegopts.semantics import parse
from delegopts.systemd.tables import load
from delegopts.systemd.write import to_settings

R262 = load("262.1")

FSTAB = [
    # (line, data string or None when not a bpffs entry, mount point)
    ("bpffs /sys/fs/bpf bpf delegate_cmds=any 0 0", "delegate_cmds=any", "/sys/fs/bpf"),
    ("  bpffs\t/a  bpf  defaults,noexec,uid=1,x-systemd.automount,nofail", "uid=1", "/a"),
    (
        "bpffs /sys/fs/bpf/my\\040tok bpf delegate_maps=hash",
        "delegate_maps=hash",
        "/sys/fs/bpf/my tok",
    ),
    ("bpffs /b bpf", "", "/b"),
    ("bpffs /c bpf ro,_netdev,comment=x,user", "", "/c"),
    ("bpffs /d bpf delegate_cmds=a\\054b", "delegate_cmds=a,b", "/d"),
    ("tmpfs /tmp tmpfs defaults,size=2G 0 0", None, None),
    ("# bpffs /x bpf delegate_cmds=any", None, None),
    ("", None, None),
    ("UUID=1 / ext4 errors=remount-ro 0 1 # note", None, None),
]


@pytest.mark.parametrize(("line", "data", "target"), FSTAB)
def test_fstab_line(line: str, data: str | None, target: str | None) -> None:
    scan = scan_fstab(line + "\n", "fstab")
    assert [(f.options, f.target) for f in scan.found] == ([] if data is None else [(data, target)])
    assert scan.findings == ()


def test_fstab_columns_follow_escapes() -> None:
    line = "bpffs /m\\040n bpf nodev,delegate_maps=arary 0 0"
    found = scan_fstab(line, "f").found[0]
    start = found.options.index("arary")
    assert found.locate(Span(start, start + 5)) == (
        1,
        line,
        Span(line.index("arary"), line.index("arary") + 5),
    )


@pytest.mark.parametrize(
    ("text", "ignore"),
    [
        ("# delegopts: ignore=D202\nbpffs /a bpf delegate_cmds=0\n", {"D202"}),
        ("# delegopts: ignore=zero-mask, no-bpffs-type\nbpffs /a bpf x\n", {"D202", "F103"}),
        ("bpffs /a bpf delegate_cmds=0 0 0 # delegopts: ignore=D202,d201\n", {"D202", "D201"}),
        ("# delegopts: ignore=D202\n\nbpffs /a bpf delegate_cmds=0\n", set()),
        ("# delegopts: ignore=D202\ntmpfs /t tmpfs x\nbpffs /a bpf delegate_cmds=0\n", set()),
    ],
)
def test_fstab_ignore_comments(text: str, ignore: set[str]) -> None:
    assert {code.value for code in scan_fstab(text, "f").found[-1].ignore} == ignore


@pytest.mark.parametrize(
    ("line", "code", "column"),
    [("bpffs /a", "F102", 9), ("bpffs /a bpffs delegate_cmds=any", "F103", 10)],
)
def test_fstab_problems(line: str, code: str, column: int) -> None:
    (problem,) = scan_fstab(line, "f").findings
    assert (problem.code.value, problem.column, problem.line) == (code, column, 1)


def test_mountinfo_and_mounts_agree() -> None:
    mountinfo = open("tests/data/mountinfo-6.18.44").read()  # noqa: SIM115
    mounts = open("tests/data/mounts-6.18.44").read()  # noqa: SIM115
    assert looks_like_mountinfo(mountinfo) and not looks_like_mountinfo(mounts)
    a = [(m.mount_point, m.found.options) for m in scan_mounts(mountinfo, "mi")[1]]
    b = [(m.mount_point, m.found.options) for m in scan_mounts(mounts, "m")[1]]
    assert a == b
    assert a[2] == ("/tmp/dlg/my token", "delegate_cmds=map_create,delegate_progs=socket_filter")
    assert a[3] == ("/tmp/dlg/plain", "")


@pytest.mark.parametrize(
    "line",
    ["57 24 0:49 / /t rw", "garbage", "57 24 0:49 / /t rw shared:1 ext4 /dev/x rw"],
)
def test_mountinfo_bad_lines(line: str) -> None:
    scan, mounts = scan_mountinfo(line + "\n", "mi")
    assert mounts == [] and [p.code.value for p in scan.findings] == ["F104"]


COMMANDS = [
    (
        "mount -t bpf bpffs /sys/fs/bpf/token -o delegate_cmds=prog_load:MAP_CREATE "
        "-o delegate_progs=kprobe",
        "delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe",
        "/sys/fs/bpf/token",
        [],
    ),
    ("sudo mount -tbpf -o 'uid=1,noexec' bpffs /x", "uid=1", "/x", []),
    ("mount --types=bpf --options=ro,defaults,gid=5 none /y", "gid=5", "/y", []),
    (
        'mount -t bpf -o "delegate_cmds=any" -o mode=0700 bpffs "/my token"',
        "delegate_cmds=any,mode=0700",
        "/my token",
        [],
    ),
    ("mount -o delegate_cmds=any bpffs /z", "delegate_cmds=any", "/z", ["F304"]),
]


@pytest.mark.parametrize(("line", "data", "target", "codes"), COMMANDS)
def test_command_line(line: str, data: str, target: str, codes: list[str]) -> None:
    scan = scan_command(line)
    assert [(f.options, f.target) for f in scan.found] == [(data, target)]
    assert [p.code.value for p in scan.findings] == codes


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("umount /x", "F302"),
        ("mount -t tmpfs tmpfs /x", "F305"),
        ("mount -o", "F303"),
        ("mount 'x", "F301"),
    ],
)
def test_command_line_problems(line: str, code: str) -> None:
    scan = scan_command(line)
    assert scan.found == () and [p.code.value for p in scan.findings] == [code]


def test_command_columns_point_into_the_typed_line() -> None:
    line = "mount -t bpf -o 'delegate_maps=arary' bpffs /x"
    found = scan_command(line).found[0]
    _, text, span = found.locate(Span(14, 19))
    assert text[span.start : span.end] == "arary"


def test_argv_is_joined_like_a_shell() -> None:
    argv = ["mount", "-t", "bpf", "-o", "delegate_cmds=any", "bpffs", "/my token"]
    scan = scan_command(argv)
    assert scan.found[0].target == "/my token"
    assert scan.found[0].lines[0][1] == "mount -t bpf -o delegate_cmds=any bpffs '/my token'"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("a\\ b", ["a b"]),
        ("'x y'z", ["x yz"]),
        ('"a\\"b"', ['a"b']),
        ("  a   b  ", ["a", "b"]),
        ("", []),
    ],
)
def test_split_words(line: str, words: list[str]) -> None:
    assert [w.text for w in split_words(line)] == words


@pytest.mark.parametrize(
    ("options", "data", "dropped"),
    [
        ("defaults", "", ["defaults"]),
        (
            "rw,nosuid,nodev,noexec,relatime,uid=1",
            "uid=1",
            ["rw", "nosuid", "nodev", "noexec", "relatime"],
        ),
        ('context="a,b",uid=2', 'context="a,b",uid=2', []),
        (
            "X-mount.mkdir,x-systemd.requires=a,delegate_cmd=any",
            "delegate_cmd=any",
            ["X-mount.mkdir", "x-systemd.requires=a"],
        ),
    ],
)
def test_mount8_keeps_userspace_options(options: str, data: str, dropped: list[str]) -> None:
    assert kernel_data(options) == (data, dropped)


SYSTEMD_NAMES = [
    ("cmds", "BPF_MAP_CREATE", "BPFMapCreate"),
    ("maps", "BPF_MAP_TYPE_ARRAY", "BPFMapTypeArray"),
    ("progs", "BPF_PROG_TYPE_XDP", "BPFProgTypeXdp"),
    ("attachs", "BPF_CGROUP_SYSCTL", "BPFCgroupSysctl"),
    ("attachs", "BPF_CGROUP_INET4_BIND", "BPFCgroupInet4Bind"),
    ("cmds", "BPF_OBJ_PIN", "BPFObjPin"),
]


@pytest.mark.parametrize(("kind", "declared", "spelled"), SYSTEMD_NAMES)
def test_systemd_names(kind: str, declared: str, spelled: str) -> None:
    from delegopts.catalog import OptionKind

    enum = catalog("6.18.44")[OptionKind("delegate_" + kind)]
    (name,) = [n for n in enum.names if n.declared == declared]
    assert systemd_name(name) == spelled


# systemd's own test (test/units/TEST-07-PID1.private-bpf.sh) mounts with these settings
# and greps /proc/mounts for these options: the same strings must come out here.
SYSTEMD_UPSTREAM = [
    (
        "BPFDelegateCommands=BPFObjPin,BPFBtfLoad,BPFMapFreeze,BPFLinkDetach",
        "delegate_cmds=obj_pin:btf_load:map_freeze:link_detach",
    ),
    (
        "BPFDelegateMaps=BPFMapTypeArray,BPFMapTypeCpumap,BPFMapTypeRingbuf",
        "delegate_maps=array:cpumap:ringbuf",
    ),
    (
        "BPFDelegatePrograms=BPFProgTypeTracepoint,BPFProgTypeXdp,BPFProgTypeTracing",
        "delegate_progs=tracepoint:xdp:tracing",
    ),
    (
        "BPFDelegateAttachments=BPFFlowDissector,BPFCgroupSysctl,BPFNetfilter",
        "delegate_attachs=flow_dissector:cgroup_sysctl:netfilter",
    ),
]


@pytest.mark.parametrize(("setting", "shown"), SYSTEMD_UPSTREAM)
def test_systemd_settings_give_what_systemd_mounts(setting: str, shown: str) -> None:
    kernel = catalog("6.18.44")
    scan = scan_unit(
        f"[Service]\nPrivateBPF=yes\nPrivateUsers=yes\n{setting}\n", "u.service", kernel, R262
    )
    assert scan.findings == ()
    assert str(parse(scan.found[0].options, kernel)) == shown


@pytest.mark.parametrize(
    ("unit", "codes", "data"),
    [
        ("[Service]\nBPFDelegateCommands=BPFProgLoad\n", ["F202"], "delegate_cmds=prog_load"),
        ("[Service]\nPrivateBPF=no\nBPFDelegateMaps=any\n", ["F202"], "delegate_maps=any"),
        ("[Service]\nPrivateBPF=yes\nBPFDelegateMaps=any\n", ["F203"], "delegate_maps=any"),
        (
            "[Service]\nPrivateBPF=yes\nPrivateUsers=no\nBPFDelegateMaps=any\n",
            ["F203"],
            "delegate_maps=any",
        ),
        (
            "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFProgLoad\nBPFDelegateCommands=\n"
            "BPFDelegateCommands=BPFMapCreate\n",
            [],
            "delegate_cmds=map_create",
        ),
        # systemd drops each word it does not know ('bpfprogload', ' BPFMapCreate' with its
        # blank), and an assignment left with none sets 0
        (
            "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\n"
            "BPFDelegateCommands=bpfprogload, BPFMapCreate\nBPFDelegateMaps=BPFMapTypeHash\n",
            ["F201", "F201", "F206"],
            "delegate_maps=hash",
        ),
        # a later assignment replaces the earlier one
        (
            "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFProgLoad\n"
            "BPFDelegateCommands=BPFMapCreate\n",
            ["F205"],
            "delegate_cmds=map_create",
        ),
        # BPFProgTypeNetfilter is bit 31 in systemd's table: the kernel's syscall
        (
            "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateCommands=BPFProgLoad\n"
            "BPFDelegatePrograms=BPFProgTypeNetfilter\n",
            ["F207"],
            "delegate_cmds=prog_load,delegate_progs=syscall",
        ),
        (
            "[Mount]\nWhat=bpffs\nWhere=/sys/fs/bpf/t\nType=bpf\n"
            "Options=nosuid,delegate_cmds=any,x-systemd.after=a\n",
            [],
            "delegate_cmds=any",
        ),
        (
            # a continuation keeps the next line's blanks (and the backslash becomes one)
            "[Mount]\nWhat=bpffs\nType=bpf\nOptions=delegate_cmds=a,\\\n  delegate_maps=any\n",
            [],
            "delegate_cmds=a,   delegate_maps=any",
        ),
        ("[Mount]\nWhat=/dev/sda\nType=ext4\nOptions=uid=1\n", [], None),
        # an empty assignment alone: it resets the list, so nothing is delegated
        ("[Service]\nBPFDelegateCommands=\n", ["F202"], None),
        ("[Service]\nPrivateBPF=yes\nBPFDelegateCommands=\n", ["F203"], None),
        ("[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateMaps=\n", [], None),
        # values systemd 262.1's own parser cannot parse are ignored: the one before stays
        *[
            (
                f"[Service]\nPrivateBPF=yes\nPrivateUsers={users}\nBPFDelegateMaps=any\n",
                [],
                "delegate_maps=any",
            )
            for users in ("identity", "full", "managed", "self", "TRUE")
        ],
        *[
            (
                f"[Service]\nPrivateBPF=yes\nPrivateUsers={users}\nBPFDelegateMaps=any\n",
                ["F208", "F203"],
                "delegate_maps=any",
            )
            for users in ("maybe", "Self", "")
        ],
        (
            "[Service]\nPrivateBPF=yes\nPrivateUsers=full\nPrivateUsers=\nBPFDelegateMaps=any\n",
            ["F208"],
            "delegate_maps=any",
        ),
        (
            "[Service]\nPrivateBPF=yes\nPrivateBPF=maybe\nPrivateUsers=yes\nBPFDelegateMaps=any\n",
            ["F208"],
            "delegate_maps=any",
        ),
        (
            "[Service]\nPrivateBPF=yes\nPrivateBPF=off\nPrivateUsers=yes\nBPFDelegateMaps=any\n",
            ["F202"],
            "delegate_maps=any",
        ),
    ],
)
def test_systemd_units(unit: str, codes: list[str], data: str | None) -> None:
    scan = scan_unit(
        unit, "u.service" if "[Service]" in unit else "u.mount", catalog("6.18.44"), R262
    )
    assert [p.code.value for p in scan.findings] == codes
    assert [f.options for f in scan.found] == ([] if data is None else [data])


def test_systemd_unknown_name_is_placed_and_fixed() -> None:
    unit = "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\nBPFDelegateMaps=BPFMapTypeArrray\n"
    dropped, reset = scan_unit(unit, "u.service", catalog("6.18.44"), R262).findings
    assert (dropped.code.value, dropped.line, dropped.column, dropped.fix) == (
        "F201",
        4,
        17,
        "write BPFMapTypeArray",
    )
    assert (reset.code.value, reset.line, reset.column) == ("F206", 4, 17)


@pytest.mark.parametrize(
    "options",
    [
        "delegate_cmds=prog_load:map_create,delegate_progs=xdp:kprobe,delegate_attachs=any",
        "delegate_maps=any,delegate_cmds=btf_load",
        "",
        "delegate_attachs=cgroup_sysctl:xdp",
    ],
)
def test_systemd_and_incus_round_trip(options: str) -> None:
    kernel = catalog("6.18.44")
    parsed = parse(options, kernel)
    written = to_settings(parsed, R262)
    back = scan_unit("[Service]\n" + "\n".join(written.lines) + "\n", "u.service", kernel).found
    assert written.lost == ()
    assert (parse(back[0].options, kernel) if back else parse("", kernel)) == parsed
    lines, lost = to_incus(parsed)
    assert lost == []
    back = scan_incus("\n".join(lines) + "\n", "i").found
    assert (parse(back[0].options, kernel) if back else parse("", kernel)) == parsed


@pytest.mark.parametrize(
    ("text", "data", "codes"),
    [
        (
            "security.bpffs.delegate_cmds: map_create,obj_get\n",
            "delegate_cmds=map_create:obj_get",
            [],
        ),
        ("security.bpffs.delegate_maps=any\nsecurity.bpffs.path: /x\n", "delegate_maps=any", []),
        ("security.bpffs.delegate_prog: xdp\n", None, ["F401"]),
        ("limits.cpu: 2\n", None, []),
    ],
)
def test_incus(text: str, data: str | None, codes: list[str]) -> None:
    scan = scan_incus(text, "i")
    assert [f.options for f in scan.found] == ([] if data is None else [data])
    assert [p.code.value for p in scan.findings] == codes


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/etc/fstab", "fstab"),
        ("a.mount", "unit"),
        ("x.service", "unit"),
        ("mountinfo-6.18.44", "mountinfo"),
        ("/proc/mounts", "mountinfo"),
        ("incus.yaml", "incus"),
        ("notes.txt", None),
    ],
)
def test_guess_format(path: str, kind: str | None) -> None:
    assert guess_format(path) == kind
