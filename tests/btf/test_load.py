"""Every kind of BTF source, built in code: raw BTF, ELF, bzImage per compression, arm64
Image and Image.gz, EFI zboot, compressed files; installed-kernel lookup; the default."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from delegopts.btf import installed, load
from delegopts.btf.imagewriter import (
    compress,
    write_arm64_image,
    write_bzimage,
    write_elf,
    write_zboot,
)
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf
from delegopts.catalog import Catalog, OptionKind
from delegopts.cli import main
from delegopts.errors import BTFError

BLOB = write_btf([
    EnumSpec("bpf_attach_type", [("BPF_CGROUP_INET_INGRESS", 0), ("__MAX_BPF_ATTACH_TYPE", 1)]),
    EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5), ("BPF_PROG_TEST_RUN", 10),
                         ("BPF_PROG_RUN", 10), ("BPF_TOKEN_CREATE", 36), ("__MAX_BPF_CMD", 37)]),
    EnumSpec("bpf_map_type", [("BPF_MAP_TYPE_UNSPEC", 0), ("BPF_MAP_TYPE_HASH", 1)]),
    EnumSpec("bpf_prog_type", [("BPF_PROG_TYPE_UNSPEC", 0), ("BPF_PROG_TYPE_XDP", 6)]),
    StructSpec("bpf_mount_opts", ["uid", "gid", "mode", "delegate_cmds", "delegate_maps",
                                  "delegate_progs", "delegate_attachs"]),
])  # fmt: skip
BANNER = "Linux version 6.9.1-fixture (builder@host) (gcc 13) #1 SMP"
CODECS = ("gzip", "xz", "lzma", "bzip2", "zstd", "lz4")


def summary(catalog: Catalog) -> tuple[object, ...]:
    """What must be equal between two catalogs of the same kernel."""
    return (
        tuple(
            (kind, tuple((n.name, n.value) for n in catalog[kind]), catalog[kind].any_mask)
            for kind in OptionKind
        ),
        catalog.keys,
    )


EXPECTED = summary(Catalog.from_bytes(BLOB))


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


SOURCES = [
    ("raw", lambda: BLOB, "raw BTF", ("raw BTF",), None),
    ("elf-le", lambda: write_elf(BLOB, banner=BANNER), "ELF .BTF", ("ELF .BTF",), "6.9.1-fixture"),
    ("elf-be", lambda: write_elf(write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])],
                                           big_endian=True), big_endian=True),
     "ELF .BTF", ("ELF .BTF",), "6.0.0-test"),
    *[(f"bzimage-{codec}", (lambda c=codec: write_bzimage(write_elf(BLOB), c)), "bzImage",
       ("bzImage", codec, "ELF .BTF"), "6.0.0-test") for codec in CODECS],
    ("bzimage-setup-sects-31", lambda: write_bzimage(write_elf(BLOB), "gzip", setup_sects=31),
     "bzImage", ("bzImage", "gzip", "ELF .BTF"), "6.0.0-test"),
    ("arm64-Image", lambda: write_arm64_image(BLOB), "arm64 Image", ("arm64 Image",), None),
    ("arm64-Image.gz", lambda: gzip.compress(write_arm64_image(BLOB)), "gzip",
     ("gzip", "arm64 Image"), None),
    ("zboot-zstd", lambda: write_zboot(write_arm64_image(BLOB), "zstd"), "EFI zboot",
     ("EFI zboot", "zstd", "arm64 Image"), None),
    ("btf.xz", lambda: compress("xz", BLOB), "xz", ("xz", "raw BTF"), None),
    ("vmlinux.zst", lambda: compress("zstd", write_elf(BLOB)), "zstd", ("zstd", "ELF .BTF"),
     "6.0.0-test"),
    ("blob-with-btf-inside", lambda: b"\x01" * 100 + BLOB + b"\x02" * 50, "scanned", ("scanned",),
     None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "kind", "layers", "release"),
    [
        pytest.param(make, kind, layers, release, id=name)
        for name, make, kind, layers, release in SOURCES
    ],
)
def test_every_source_kind_gives_the_same_catalog(
    tmp_path: Path, make, kind: str, layers: tuple[str, ...], release: str | None
) -> None:
    path = written(tmp_path, "source", make())
    btf, info = load.load_btf(path)
    assert (info.kind, info.layers, info.release) == (kind, layers, release)
    if not info.big_endian:
        assert summary(Catalog.from_btf(btf)) == EXPECTED
        assert summary(Catalog.from_source(path)) == EXPECTED
        assert btf.size == len(BLOB)


@pytest.mark.parametrize(
    ("relative", "release"),
    [
        ("boot/vmlinuz-6.9.1-test", "6.9.1-test"),
        ("usr/lib/modules/6.9.2-test/vmlinuz", "6.9.2-test"),
        ("usr/lib/debug/boot/vmlinux-6.9.3-test", "6.9.3-test"),
    ],
)
def test_kernel_release_finds_the_installed_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str, release: str
) -> None:
    image = tmp_path / relative
    image.parent.mkdir(parents=True)
    image.write_bytes(write_bzimage(write_elf(BLOB), "gzip"))
    roots = [str(tmp_path / root) for root in ("boot", "usr/lib/modules", "usr/lib/debug")]
    assert installed.find_installed_image(release, roots) == image
    monkeypatch.setattr(installed, "IMAGE_ROOTS", tuple(roots))
    out = io.StringIO()
    assert main(["names", "--kernel-release", release, "--json"], stdout=out) == 0
    assert json.loads(out.getvalue())["kernel"] == release


@pytest.mark.parametrize(
    ("release", "message"),
    [
        ("6.9.9-test", "no image of kernel 6.9.9-test under"),
        ("6.9.1-tst", "did you mean 6.9.1-test?"),
        ("../etc", "not a kernel release"),
    ],
)
def test_kernel_release_not_installed_says_what_is(
    tmp_path: Path, release: str, message: str
) -> None:
    (tmp_path / "vmlinuz-6.9.1-test").write_bytes(b"x")
    with pytest.raises(BTFError, match=message.replace("?", r"\?")):
        installed.find_installed_image(release, [tmp_path])


@pytest.mark.parametrize(
    ("argv", "label"),
    [
        (["--kernel", "6.1.170"], "6.1.170"),
        (["--kernel", "7.2.13"], "7.2.13"),
        ([], "7.2.13"),  # no running-kernel BTF: the newest snapshot, with a notice
    ],
)
def test_snapshot_selection_and_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str], label: str
) -> None:
    monkeypatch.setattr(load, "RUNNING_KERNEL_BTF", str(tmp_path / "absent"))
    out, err = io.StringIO(), io.StringIO()
    assert main(["names", "--kind", "cmds", "--json", *argv], stdout=out, stderr=err) == 0
    assert json.loads(out.getvalue())["kernel"] == label
    assert ("notice: the running kernel" in err.getvalue()) == (not argv)


def test_running_kernel_is_the_default_where_it_has_btf(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(load, "RUNNING_KERNEL_BTF", str(written(tmp_path, "vmlinux", BLOB)))
    out, err = io.StringIO(), io.StringIO()
    assert main(["names", "--json"], stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    names = json.loads(out.getvalue())["options"]["delegate_cmds"]["names"]
    assert [(n["name"], n["bit"], n["alias_of"]) for n in names] == [
        ("map_create", 0, None),
        ("prog_load", 5, None),
        ("prog_test_run", 10, None),
        ("prog_run", 10, "prog_test_run"),
        ("token_create", 36, None),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kernel", "6.13.0"], "no snapshot for kernel 6.13.0: shipped are 6.1.170, 6.12.107"),
        (["--kernel", "6.12.10"], "did you mean 6.12.107?"),
        (["--btf", "/nonexistent/vmlinux"], "/nonexistent/vmlinux: cannot read"),
    ],
)
def test_unreadable_targets_exit_3(argv: list[str], message: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["names", *argv], stdout=out, stderr=err) == 3
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize(("running", "status"), [(True, 0), (False, 3)])
def test_kernel_release_of_the_running_kernel_falls_back_to_sysfs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, running: bool, status: int
) -> None:
    import os

    monkeypatch.setattr(installed, "IMAGE_ROOTS", (str(tmp_path),))
    monkeypatch.setattr(load, "RUNNING_KERNEL_BTF", str(written(tmp_path, "vmlinux", BLOB)))
    release = os.uname().release if running else "0.0.1-not-running"
    out, err = io.StringIO(), io.StringIO()
    assert main(["names", "--kernel-release", release, "--json"], stdout=out, stderr=err) == status
    if running:
        assert json.loads(out.getvalue())["kernel"] == release
    else:
        assert f"no image of kernel {release}" in err.getvalue()


def test_the_running_kernels_btf_carries_its_release() -> None:
    import os

    if not os.path.exists(load.RUNNING_KERNEL_BTF):
        pytest.skip("the running kernel has no /sys/kernel/btf/vmlinux")
    btf, info = load.load_btf(load.RUNNING_KERNEL_BTF)
    assert (info.kind, info.release) == ("raw BTF", os.uname().release)
    assert btf.find_enum("bpf_cmd") is not None
