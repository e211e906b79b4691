"""A kernel image that unpacks to more than ``$TMPDIR`` can hold: a clean error, never a signal.

Kernel images are decompressed into an unnamed temporary file. Where the folder is too
small the write fails; ``delegopts`` must say so (exit status 3, naming the temporary
folder and the fix) and the library must raise :class:`~delegopts.errors.BTFError`.
The small folder is a 1 MiB tmpfs the test mounts where it may (root), else the same
failure is made with ``RLIMIT_FSIZE`` in the child process.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegopts.btf.imagewriter import compress, write_arm64_image, write_bzimage
from delegopts.btf.writer import EnumSpec, write_btf

BLOB = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0)])])
UNPACKED = 8 << 20  # what each image decompresses to: far more than the 1 MiB folder


def _images() -> dict[str, bytes]:
    image = write_arm64_image(BLOB, before=UNPACKED)
    return {
        "bzImage-zstd": write_bzimage(image, "zstd"),
        "bzImage-lz4": write_bzimage(image, "lz4"),
        "bzImage-gzip": write_bzimage(image, "gzip"),
        "Image.xz": compress("xz", image),
    }


@pytest.fixture(scope="module")
def small_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder with 1 MiB of room, and how it was made ("tmpfs" or "rlimit")."""
    folder = tmp_path_factory.mktemp("small")
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "delegopts-test", str(folder)],
        capture_output=True, check=False,
    ).returncode == 0  # fmt: skip
    yield folder, "tmpfs" if mounted else "rlimit"
    if mounted:
        subprocess.run(["umount", str(folder)], check=True)


def _run(argv: list[str], folder: Path, how: str) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # the child's own files may not grow past 1 MiB
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    return subprocess.run(
        [sys.executable, "-c", "import sys; from delegopts.cli import main; "
         "sys.exit(main(sys.argv[1:]))", *argv],
        env=dict(os.environ, TMPDIR=str(folder)), capture_output=True, text=True, timeout=120,
        preexec_fn=limit if how == "rlimit" else None, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(_images()))
def test_cli_says_the_temporary_folder_is_too_small(
    name: str, small_tmp: tuple[Path, str], tmp_path: Path
) -> None:
    folder, how = small_tmp
    image = tmp_path / name
    image.write_bytes(_images()[name])
    done = _run(["btf", "info", str(image)], folder, how)
    assert done.returncode == 3, (how, done.stderr)
    assert "Traceback" not in done.stderr
    assert f"{image}: cannot write the decompressed" in done.stderr
    assert f"the temporary folder {folder} can hold; set TMPDIR to a folder with more room" in (
        done.stderr
    )
    assert done.stdout == ""


def test_library_raises_btferror(small_tmp: tuple[Path, str], tmp_path: Path) -> None:
    folder, how = small_tmp
    image = tmp_path / "vmlinuz"
    image.write_bytes(_images()["bzImage-zstd"])
    code = (
        "import sys\nfrom delegopts.btf import BTFError, load_btf\n"
        "try:\n    load_btf(sys.argv[1])\nexcept BTFError as error:\n"
        "    print(type(error).__name__, error.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(image)], env=dict(os.environ, TMPDIR=str(folder)),
        capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20)))
        if how == "rlimit" else None,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("BTFError cannot write the decompressed zstd data")


def test_the_same_images_read_with_room(tmp_path: Path) -> None:
    # a check of the fixture: with room, each image gives its BTF
    from delegopts.btf import load_btf

    for name, data in _images().items():
        path = tmp_path / name
        path.write_bytes(data)
        btf, _ = load_btf(path)
        assert btf.find_enum("bpf_cmd") is not None
