"""``delegopts btf info|slim`` and ``delegopts names``, run in-process."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from delegopts.btf.imagewriter import write_bzimage, write_elf
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf
from delegopts.catalog import Catalog
from delegopts.cli import main

BLOB = write_btf([
    EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5), ("__MAX_BPF_CMD", 6)]),
    EnumSpec("unrelated", [("X", 1)]),
    EnumSpec("bpf_map_type", [("BPF_MAP_TYPE_HASH", 1), ("BPF_MAP_TYPE_X", 1)], signed=True),
    StructSpec("bpf_mount_opts", ["mode"]),
])  # fmt: skip


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("raw.btf", BLOB, {"kind": "raw BTF", "layers": ["raw BTF"], "release": None,
                           "btf_offset": 0, "delegation_supported": False}),
        ("vmlinuz", write_bzimage(write_elf(BLOB), "zstd", version="6.9.7-x (b@h) #1"),
         {"kind": "bzImage", "layers": ["bzImage", "zstd", "ELF .BTF"], "release": "6.0.0-test",
          "banner": "Linux version 6.0.0-test (fixture)", "delegation_supported": False}),
    ],
)  # fmt: skip
def test_info_json(tmp_path: Path, name: str, data: bytes, expected: dict[str, object]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    status, out, err = run("btf", "info", str(path), "--json")
    assert (status, err) == (0, "")
    record = json.loads(out)
    assert {key: record[key] for key in expected} == expected
    assert record["schema"] == 2 and record["command"] == "btf info"
    assert record["btf_size"] == len(BLOB)
    assert record["types"] == 5  # the INT the struct needs, three enums, the struct
    assert record["byte_order"] == "little"
    assert record["enums"]["bpf_cmd"] == {
        "kind": "ENUM", "size": 4, "enumerators": 3, "names": 2, "guard": 6, "any_mask": "0x3f",
    }  # fmt: skip
    assert record["enums"]["bpf_prog_type"] is None


def test_info_table_names_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "vmlinux"
    path.write_bytes(write_elf(BLOB, banner="Linux version 6.9.9-t (x@y) (gcc) #1"))
    status, out, _ = run("btf", "info", str(path))
    assert status == 0
    for text in (
        "ELF .BTF",
        "Linux version 6.9.9-t",
        "bpf_cmd",
        "0x3f",
        "(absent)",
        "not supported",
    ):
        assert text in out


def test_slim_roundtrip(tmp_path: Path) -> None:
    source = tmp_path / "vmlinuz"
    source.write_bytes(write_bzimage(write_elf(BLOB), "xz"))
    target = tmp_path / "slim.btf"
    status, _, err = run("btf", "slim", str(source), "-o", str(target))
    assert status == 0
    assert f"{target}: {target.stat().st_size} bytes of BTF from {len(BLOB)}" in err
    slim, full = Catalog.from_file(target), Catalog.from_bytes(BLOB)
    assert [(n.name, n.value) for k in slim.enums for n in slim[k]] == [
        (n.name, n.value) for k in full.enums for n in full[k]
    ]
    assert slim.keys == full.keys
    assert b"unrelated" not in target.read_bytes()


@pytest.mark.skipif(shutil.which("bpftool") is None, reason="bpftool is not installed")
@pytest.mark.parametrize("version", ["6.1.170", "6.12.107", "6.18.44", "7.2.13"])
def test_bpftool_reads_the_snapshots(version: str) -> None:
    from importlib import resources

    with resources.as_file(resources.files("delegopts.btfdata") / f"{version}.btf") as path:
        done = subprocess.run(
            ["bpftool", "btf", "dump", "file", str(path)], capture_output=True, text=True,
            check=False, timeout=30,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ENUM 'bpf_cmd'" in done.stdout
    assert ("STRUCT 'bpf_mount_opts'" in done.stdout) is True


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["btf", "info", "/nonexistent"], 3, "/nonexistent: cannot read"),
        (["btf", "slim", "/nonexistent", "-o", "/tmp/x"], 3, "cannot read"),
        (["btf", "info", "a", "--kernel", "7.2.13"], 2, "not several"),
        (["btf"], 2, "required"),
        (["names", "--kind", "bogus"], 2, "invalid choice"),
        (["names", "--kernel", "7.2.13", "--btf", "x"], 2, "not allowed with"),
    ],
)
def test_errors(argv: list[str], status: int, message: str) -> None:
    got, _, err = run(*argv)
    assert got == status
    assert message in err


def test_names_table_shows_aliases_and_misfits() -> None:
    status, out, _ = run("names", "--kernel", "7.2.13", "--kind", "cmds")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "delegate_cmds (enum bpf_cmd, any = 0x7fffffffff) on kernel 7.2.13"
    assert lines[1].split() == ["name", "bit", "declared", "note"]
    rows = {line.split()[0]: line for line in lines[2:] if line.strip()}
    assert rows["prog_run"].split() == ["prog_run", "10", "BPF_PROG_RUN", "alias", "of",
                                        "prog_test_run"]  # fmt: skip
    assert rows["common_attrs"].endswith("value 65536 is no bit: the kernel sets bit 0")
    assert rows["map_create"].split() == ["map_create", "0", "BPF_MAP_CREATE"]


def test_names_json_lists_every_kind() -> None:
    status, out, _ = run("names", "--kernel", "6.12.107", "--json")
    record = json.loads(out)
    assert status == 0
    assert sorted(record["options"]) == sorted(
        ["delegate_cmds", "delegate_maps", "delegate_progs", "delegate_attachs"]
    )
    assert record["options"]["delegate_maps"]["aliases"] == {
        "cgroup_storage_deprecated": ["cgroup_storage"],
        "percpu_cgroup_storage_deprecated": ["percpu_cgroup_storage"],
    }


def test_info_checks_every_record(tmp_path: Path) -> None:
    """A record that no lookup reads is still checked: info walks them all."""
    import struct

    blob = bytearray(BLOB)
    unrelated = 24 + 16 + 12 + 3 * 8  # header, INT, bpf_cmd with its 3 enumerators
    struct.pack_into("<I", blob, unrelated + 4, (25 << 24) | 1)  # kind 25 does not exist
    path = tmp_path / "corrupt.btf"
    path.write_bytes(bytes(blob))
    status, _, err = run("btf", "info", str(path))
    assert status == 3
    assert err == f"delegopts: {path}: unknown BTF kind 25 at byte {unrelated + 4}\n"


@pytest.mark.parametrize("argv", [["btf", "info", "-"], ["names", "--btf", "-", "--kind", "cmds"]])
def test_btf_from_standard_input(argv: list[str]) -> None:
    import gzip
    import subprocess
    import sys

    blob = gzip.compress((Path(__file__).resolve().parents[2] / "data/btf/7.2.13.btf").read_bytes())
    code = "import sys; from delegopts.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, *argv], input=blob, capture_output=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert b"<stdin>" in done.stdout
    bad = subprocess.run([sys.executable, "-c", code, *argv], input=b"not btf",
                         capture_output=True, check=False)  # fmt: skip
    assert bad.returncode == 3
    assert bad.stderr.startswith(b"delegopts: <stdin>: not raw BTF, an ELF file, nor a kernel")
