"""Incus and LXD configurations in every shape, read as the managers read them.

The files under tests/data/incus and tests/data/lxd carry values copied from Incus's and
LXD's documentation and test suites (their SOURCES.md names each); the tables say what
option string each manager hands the kernel, where bpffs is mounted, and that no finding
is an error. Inline tables pin each manager's rules, as read in their sources.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from kernels import catalog

from delegopts import OptionKind, parse
from delegopts.errors import Span
from delegopts.formats._found import Found, Scan
from delegopts.formats.container import detect_shape, read_configs
from delegopts.formats.incus import scan_incus, to_incus
from delegopts.formats.lxd import scan_lxd, to_lxd
from delegopts.formats.mountlist import mount_output_kind, scan_mount_output

DATA = Path(__file__).parents[1] / "data"
DOC = (
    "delegate_cmds=map_create:obj_get:link_create,delegate_maps=hash:array:devmap:queue:stack,"
    "delegate_progs=socket_filter:kprobe:cgroup_sysctl,delegate_attachs=any"
)
SUITE_FIRST = (
    "delegate_cmds=map_create:prog_attach,delegate_maps=hash:array,"
    "delegate_progs=socket_filter:xdp:kprobe,"
    "delegate_attachs=cgroup_inet_ingress:sk_skb_stream_parser"
)
LXD_DOC = (
    "delegate_cmds=prog_load:map_create,delegate_maps=ringbuf,delegate_progs=socket_filter,"
    "delegate_attachs=cgroup_inet_ingress"
)

INCUS_FILES = [
    (
        "test-suite-bpf-tokens.sh",
        "commands",
        [
            ("Incus instance foo (incus commands), started at line 10", "/sys/fs/bpf", SUITE_FIRST),
            (
                "Incus instance foo (incus commands), started at line 18",
                "/sys/fs/bpf",
                "delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any",
            ),
            ("Incus instance foo (incus commands), started at line 26", "/sys/fs/bpf",
             "delegate_cmds=map_create"),
            ("Incus instance foo (incus commands), started at line 34", "/sys/fs/bpf",
             "delegate_maps=hash"),
            ("Incus instance foo (incus commands), started at line 42", "/sys/fs/bpf",
             "delegate_progs=socket_filter"),
            ("Incus instance foo (incus commands), started at line 50", "/sys/fs/bpf",
             "delegate_attachs=cgroup_inet_ingress"),
            ("Incus instance foo (incus commands), started at line 58", "/mnt",
             "delegate_cmds=map_create"),
        ],
    ),
    ("doc-bpf-tokens.config-set.sh", "commands",
     [("Incus instance c1 (incus commands)", "/sys/fs/bpf", DOC)]),
    ("doc-bpf-tokens.keys", "keyvalue", [("Incus settings (key=value lines)", "/sys/fs/bpf", DOC)]),
    ("config-show.yaml", "yaml", [("Incus instance (YAML)", "/sys/fs/bpf", DOC)]),
    ("config-edit.yaml", "yaml", [("Incus instance (YAML)", "/sys/fs/bpf", SUITE_FIRST)]),
    ("profile-show.yaml", "yaml", [("Incus profile bpf (YAML)", "/sys/fs/bpf", DOC)]),
    (
        "list.yaml",
        "yaml",
        [
            ("Incus instance foo (YAML)", "/mnt", "delegate_cmds=map_create"),
            ("Incus instance c1 (YAML)", "/sys/fs/bpf", DOC),
        ],
    ),
    (
        "list.json",
        "yaml",
        [
            ("Incus instance foo (JSON)", "/mnt", "delegate_cmds=map_create"),
            ("Incus instance c1 (JSON)", "/sys/fs/bpf", DOC),
        ],
    ),
    ("query-instance.json", "yaml", [("Incus instance foo (JSON)", "/mnt",
                                      "delegate_cmds=map_create")]),
]  # fmt: skip

LXD_FILES = [
    ("doc-bpf.sh", "commands", [("LXD instance bpf-experiments (lxc commands)", LXD_DOC)]),
    ("config-show.yaml", "yaml", [("LXD instance (YAML)", LXD_DOC)]),
    ("profile-show.yaml", "yaml", [("LXD profile bpf (YAML)", LXD_DOC)]),
    ("metadata-examples.keys", "keyvalue", [("LXD settings (key=value lines)", LXD_DOC)]),
]


def _summary(scan: Scan) -> list[tuple[str, str | None, str]]:
    return [(f.what, f.target, f.options) for f in scan.found]


def _values_placed(found: Found) -> None:
    """Every name of every delegate value points at the very characters that spell it."""
    for piece in re.finditer(r"delegate_\w+=([^,]*)", found.options):
        for item in re.finditer(r"[^:]+", piece.group(1)):
            start = piece.start(1) + item.start()
            _, line, span = found.locate(Span(start, start + len(item.group())))
            assert line[span.start : span.end] == item.group(), (found.options, item.group())


@pytest.mark.parametrize(("name", "shape", "expected"), INCUS_FILES)
def test_incus_files(name: str, shape: str, expected: list[tuple[str, str, str]]) -> None:
    text = (DATA / "incus" / name).read_text()
    assert detect_shape(text) == shape
    scan = scan_incus(text, name)
    assert _summary(scan) == expected
    assert [d for d in scan.findings if d.severity.value == "error"] == []
    for found in scan.found:
        _values_placed(found)


@pytest.mark.parametrize(("name", "shape", "expected"), LXD_FILES)
def test_lxd_files(name: str, shape: str, expected: list[tuple[str, str]]) -> None:
    text = (DATA / "lxd" / name).read_text()
    assert detect_shape(text) == shape
    scan = scan_lxd(text, name)
    assert [(what, options) for what, _, options in _summary(scan)] == expected
    assert {f.target for f in scan.found} == {"/sys/fs/bpf"}
    # LXD's own example leaves out btf_load: the one warning, on the cmd_types value.
    assert [(d.severity.value, d.code.value) for d in scan.findings] == [("warning", "F409")]
    finding = scan.findings[0]
    assert finding.location is not None
    assert finding.location.text[finding.span.start : finding.span.end] == "prog_load:map_create"
    for found in scan.found:
        _values_placed(found)


def test_preseed_profiles() -> None:
    """`incus admin init --dump`: profiles under `profiles:`, each named."""
    text = (
        "config: {}\nprofiles:\n- config:\n    security.bpffs.delegate_cmds: btf_load\n"
        "  description: ''\n  devices: {}\n  name: bpf\n"
    )
    assert [f.what for f in scan_incus(text, "p").found] == ["Incus profile bpf (YAML)"]


def test_other_manager_reads_nothing() -> None:
    incus = (DATA / "incus" / "config-show.yaml").read_text()
    lxd = (DATA / "lxd" / "config-show.yaml").read_text()
    assert scan_lxd(incus, "x").found == () and scan_incus(lxd, "x").found == ()


def test_positions_through_yaml_spellings() -> None:
    """Quoted, folded and block values: each name sits where the file spells it."""
    text = (DATA / "incus" / "config-edit.yaml").read_text()
    found = scan_incus(text, "e").found[0]
    where = {}
    for item in ("prog_attach", "kprobe", "sk_skb_stream_parser"):
        start = found.options.index(item)
        number, _, span = found.locate(Span(start, start + len(item)))
        where[item] = (number, span.start)
    assert where == {"prog_attach": (7, 45), "kprobe": (11, 4), "sk_skb_stream_parser": (13, 24)}


def _scan(manager: str, text: str) -> Scan:
    return (scan_incus if manager == "incus" else scan_lxd)(text, "in")


def _codes(scan: Scan) -> list[tuple[str, int, int]]:
    return [(d.code.value, d.line, d.column) for d in scan.findings]


SEMANTICS = [
    # Incus: split on ',', trim (Go's TrimSpace), drop empties, join with ':'.
    ("incus", 'security.bpffs.delegate_cmds: " map_create ,\\tprog_load ,"\n',
     ["delegate_cmds=map_create:prog_load"], [("F409", 1, 32)]),
    ("incus", "security.bpffs.delegate_cmds: map_create:prog_load,btf_load\n",
     ["delegate_cmds=map_create:prog_load:btf_load"], []),
    # An empty value is no value: nothing is mounted when all four are empty.
    ("incus", 'security.bpffs.delegate_maps: ""\nsecurity.bpffs.path: /x\n', [],
     [("F403", 1, 31)]),
    # Blanks or commas only: bpffs is mounted, with nothing delegated.
    ("incus", 'security.bpffs.delegate_maps: " , "\n', [""], [("F403", 1, 32)]),
    ("incus", "security.privileged: 'YES'\nsecurity.bpffs.delegate_cmds: any\n", [],
     [("F404", 1, 23)]),
    ("incus", "security.bpffs.path: mnt\nsecurity.bpffs.delegate_cmds: any\n", [],
     [("F406", 1, 22)]),
    ("incus", "security.bpffs.delegate_cmd: any\nsecurity.bpffs.delegate_maps: hash\n",
     ["delegate_maps=hash"], [("F401", 1, 1)]),
    ("incus", "security.bpffs.delegate_cmds: any\nsecurity.delegate_bpf: 'true'\n",
     ["delegate_cmds=any"], [("F411", 2, 1)]),
    ("incus", "config:\n  security.bpffs.delegate_cmds: any\n  security.bpffs.delegate_cmds: "
     "map_create\n", ["delegate_cmds=map_create"], [("F412", 2, 3)]),
    ("incus", "security.bpffs.delegate_cmds: prog_load\n", ["delegate_cmds=prog_load"],
     [("F409", 1, 31)]),
    # LXD: verbatim to the kernel, only when security.delegate_bpf is true.
    ("lxd", "security.delegate_bpf = true\nsecurity.delegate_bpf.map_types = hash # x\n",
     ["delegate_maps=hash"], []),
    ("lxd", "security.delegate_bpf: 'on'\nsecurity.delegate_bpf.map_types: 'hash '\n",
     ["delegate_maps=hash "], []),
    ("lxd", "security.delegate_bpf.map_types: hash\n", [], [("F407", 1, 1)]),
    ("lxd", "security.delegate_bpf: 'false'\nsecurity.delegate_bpf.map_types: hash\n", [],
     [("F407", 1, 25)]),
    ("lxd", "security.delegate_bpf: maybe\nsecurity.delegate_bpf.map_types: hash\n", [],
     [("F410", 1, 24)]),
    ("lxd", "security.delegate_bpf: 'true'\nsecurity.delegate_bpf.map_types: hash,array\n", [""],
     [("F408", 2, 38)]),
    ("lxd", "security.delegate_bpf: 'true'\nsecurity.delegate_bpf.map_types: ''\n", [""],
     [("F403", 2, 34)]),
    ("lxd", "security.delegate_bpf: '1'\nsecurity.privileged: 'true'\n"
     "security.delegate_bpf.cmd_types: any\n", ["delegate_cmds=any"], [("F404", 2, 23)]),
    # Go's map[string]string takes scalars only.
    ("incus", "security.bpffs.delegate_cmds: [map_create]\n", [], [("F101", 1, 31)]),
    ("lxd", "security.delegate_bpf: 'true'\nsecurity.delegate_bpf.cmd_types: {a: b}\n", [""],
     [("F101", 2, 34)]),
    # Both keep these keys for containers: a virtual machine refuses them.
    ("incus", "type: virtual-machine\nconfig:\n  security.bpffs.delegate_cmds: any\n", [],
     [("F401", 3, 3)]),
    ("lxd", "type: virtual-machine\nconfig:\n  security.delegate_bpf: 'true'\n", [],
     [("F402", 3, 3)]),
    ("lxd", "security.delegate_bpf: 'true'\nsecurity.delegate_bpf.cmd_type: any\n", [""],
     [("F402", 2, 1)]),
]  # fmt: skip


@pytest.mark.parametrize(("manager", "text", "options", "codes"), SEMANTICS)
def test_manager_semantics(
    manager: str, text: str, options: list[str], codes: list[tuple[str, int, int]]
) -> None:
    scan = _scan(manager, text)
    assert [f.options for f in scan.found] == options
    assert _codes(scan) == codes


COMMANDS = [
    ("incus config set c1 security.bpffs.delegate_cmds any\n",
     [("c1", None, "delegate_cmds=any")]),
    ("sudo incus config set c1 security.bpffs.delegate_cmds=any # comment\n",
     [("c1", None, "delegate_cmds=any")]),
    ("incus launch images:debian/12 c1 -c security.bpffs.delegate_cmds=any\n",
     [("c1", "launched at line 1", "delegate_cmds=any")]),
    ("incus init images:debian/12 c1 --config=security.bpffs.delegate_cmds=any\n",
     [("c1", None, "delegate_cmds=any")]),
    ("incus create images:debian/12 c1 -csecurity.bpffs.delegate_cmds=any -p default\n",
     [("c1", None, "delegate_cmds=any")]),
    ("incus init images:debian/12 c1 --config security.bpffs.delegate_cmds=any\n",
     [("c1", None, "delegate_cmds=any")]),
    ("incus profile set p1 security.bpffs.delegate_maps=hash\n",
     [("p1", None, "delegate_maps=hash")]),
    ("incus config set c1 security.bpffs.delegate_cmds=any security.bpffs.delegate_maps=hash\n"
     "incus config unset c1 security.bpffs.delegate_cmds\n", [("c1", None, "delegate_maps=hash")]),
    ("incus config set security.bpffs.delegate_cmds=any\n", []),  # a server key: no instance
    ("$ incus config set remote:c1 --project p security.bpffs.delegate_cmds=any\n",
     [("remote:c1", None, "delegate_cmds=any")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_incus_commands(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    configs = read_configs(text, "c")
    scan = scan_incus(text, "c")
    got = [(c.name, c.moment) for c in configs.configs if c.has_any()]
    assert [
        (name, moment, f.options) for (name, moment), f in zip(got, scan.found, strict=False)
    ] == expected
    assert len(got) == len(expected)


def test_launching_a_vm_with_the_keys_is_refused() -> None:
    scan = scan_incus(
        "incus launch images:debian/12 v1 --vm -c security.bpffs.delegate_cmds=any\n", "c"
    )
    assert scan.found == ()
    assert _codes(scan) == [("F401", 1, 42)]


@pytest.mark.parametrize(
    "text",
    [
        "config: [\n",
        "[" * 100_000,
        "a: &a [*a]\nconfig: *a\n",
        '{"config": {"security.bpffs.delegate_cmds": "any"',
        "config:\n  security.bpffs.delegate_cmds: !!binary AAAA\n\tbad: 1\n",
        "\x00\x01",
    ],
)
def test_broken_yaml_is_a_finding(text: str) -> None:
    scan = scan_incus(text, "y")
    for finding in scan.findings:
        assert finding.code.value in ("F101", "F412") and finding.line >= 1


def test_yaml_error_position() -> None:
    scan = scan_incus("config:\n  a: [1\n  b: 2\n", "y")
    assert [(d.code.value, d.line) for d in scan.findings] == [("F101", 3)]


LISTINGS = [
    ("mount-output/mount.txt", "mount"),
    ("mount-output/findmnt.txt", "findmnt"),
    ("mount-output/findmnt-list.txt", "findmnt"),
    ("mount-output/findmnt-raw.txt", "findmnt"),
    ("mount-output/findmnt-pairs.txt", "pairs"),
    ("mount-output/findmnt.json", "json"),
]
LISTED = [
    ("/tmp/dlg-listing/incus", DOC),
    ("/tmp/dlg-listing/lxd", "uid=1000000,gid=1000000,delegate_cmds=map_create:prog_load,"
     "delegate_maps=ringbuf,delegate_progs=socket_filter,delegate_attachs=cgroup_inet_ingress"),
    ("/tmp/dlg-listing/my token", "mode=700,delegate_cmds=any"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kind"), LISTINGS)
def test_mount_listings(name: str, kind: str) -> None:
    """Real mount(8) and findmnt(8) output (tests/data/mount-output/capture.sh)."""
    text = (DATA / name).read_text()
    assert mount_output_kind(text) == kind
    scan, listed = scan_mount_output(text, name)
    assert [(m.mount_point, m.found.options) for m in listed] == LISTED
    assert scan.findings == ()
    for mount in listed:
        _values_placed(mount.found)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("incus/doc-bpf-tokens.mount", [("/sys/fs/bpf", DOC)]),
        ("lxd/doc-bpf.mount", [("/sys/fs/bpf", LISTED[1][1].replace(
            "map_create:prog_load", "map_create:prog_load"))]),
    ],
)  # fmt: skip
def test_documented_mount_lines(name: str, expected: list[tuple[str, str]]) -> None:
    """The mount lines Incus's and LXD's documentation show (LXD's wrapped over 5 lines)."""
    text = (DATA / name).read_text()
    _, listed = scan_mount_output(text, name)
    assert [(m.mount_point, m.found.options) for m in listed] == expected
    for mount in listed:
        _values_placed(mount.found)


# -- writing settings back: format --to incus|lxd, read back exactly ------------------------

masks = st.integers(min_value=0, max_value=2**64 - 1)


def _shapes(manager: str, lines: list[str]) -> list[str]:
    """The same settings as key=value lines, config set commands and a config show map."""
    client = "incus" if manager == "incus" else "lxc"
    pairs_ = [line.split("=", 1) for line in lines]
    yaml_text = "config:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in pairs_)
    commands = "".join(f"{client} config set c1 {shlex.quote(line)}\n" for line in lines)
    return ["\n".join(lines) + "\n", commands, yaml_text]


@pytest.mark.parametrize("manager", ["incus", "lxd"])
@pytest.mark.parametrize("names", [True, False])
@settings(max_examples=60, deadline=None)
@given(bits=st.lists(masks, min_size=4, max_size=4))
def test_settings_read_back_to_the_same_options(manager: str, names: bool, bits: list[int]) -> None:
    kernel = catalog("6.18.44") if names else catalog("6.18.44").without_names()
    text = ",".join(f"{kind.key}={value:#x}" for kind, value in zip(OptionKind, bits, strict=False))
    options = parse(text, kernel)
    lines, lost = (to_incus if manager == "incus" else to_lxd)(options)
    assert lost == []
    for shaped in _shapes(manager, lines):
        scan = _scan(manager, shaped)
        assert [d for d in scan.findings if d.severity.value == "error"] == []
        back = parse(scan.found[0].options, kernel) if scan.found else parse("", kernel)
        assert back == options


def test_what_neither_manager_sets() -> None:
    options = parse("uid=1000,gid=1000,mode=0700,delegate_cmds=any", catalog("6.18.44"))
    assert to_incus(options) == (
        ["security.bpffs.delegate_cmds=any"],
        [
            "uid=1000: Incus never sets uid, gid or mode",
            "gid=1000: Incus never sets uid, gid or mode",
            "mode=700: Incus never sets uid, gid or mode",
        ],
    )
    assert to_lxd(options)[0] == [
        "security.delegate_bpf=true",
        "security.delegate_bpf.cmd_types=any",
    ]


# -- any input: a finding or nothing, never an exception ------------------------------------

_PIECES = ["config:", "\n", "  ", "- ", "security.bpffs.delegate_cmds", "security.delegate_bpf",
           ".cmd_types", ": ", "=", "'", '"', ",", ":", " ", "\t", "#", "incus config set c1 ",
           "lxc launch i c1 -c ", "incus start c1", "{", "}", "[", "]", "any", "prog_load",
           "&a ", "*a", "|", ">-", "\\", "\\x1b", "\u00a0", "none on /x type bpf (", ")",
           "TARGET SOURCE FSTYPE OPTIONS", '"fstype": "bpf"', '"options": ', "└─", "~",
           "null"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=40).map("".join))
def test_any_text_reads_without_exception(text: str) -> None:
    for reader in (scan_incus, scan_lxd):
        scan = reader(text, "fuzz")
        for found in scan.found:
            assert len(found.offsets) == len(found.options) + 1
            found.locate(Span(0, len(found.options)))
        for finding in scan.findings:
            assert finding.line >= 1
    scan_mount_output(text, "fuzz")


@settings(max_examples=300, deadline=None)
@given(
    value=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.integers(min_value=8, max_value=80),
)
def test_every_value_character_is_placed_where_it_is_written(
    value: str, style: str | None, width: int
) -> None:
    """However PyYAML writes a value, each printable character not made by quoting, an
    escape or folding maps back to the very character that spells it."""
    from delegopts.formats._yamlpos import Source, load, pairs, scalar_positions, string_of

    text = yaml.safe_dump({"k": value}, default_style=style, width=width, allow_unicode=True)
    node = pairs(load(text)[0])[-1][1]
    read = string_of(node)
    assert read is not None
    if node.tag.endswith(":null"):
        return
    assert read.value == yaml.safe_load(text)["k"]  # the text PyYAML's own loader gives
    if read.value != value:
        return  # PyYAML's dumper lost it (a raw U+0085 in quotes is a line break)
    positions = scalar_positions(node, text)
    assert len(positions) == len(value)
    assert positions == sorted(positions)
    source = Source(text)
    for char, index in zip(value, positions, strict=True):
        line, column = source.where(index)
        spelled = source.lines[line][column] if column < len(source.lines[line]) else ""
        if char.isprintable() and not char.isspace() and char not in "\\'\"":
            assert spelled in (char, "\\"), (text, char, index)
