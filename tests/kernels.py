"""The four real kernels' BTF: complete from ../shared/kernels (beside the repository),
or the snapshot shipped in data/btf.

Tests that need the complete BTF (:func:`raw_btf`) skip with a reason where that folder
is absent. Tests that only need a kernel's names (:func:`names_btf`, :func:`catalog`)
fall back to the shipped snapshot, which holds the same four enums and struct
(test_snapshots.py proves each one gives the catalog of its complete BTF), so they run
on any checkout, CI's included.
"""

from __future__ import annotations

import functools
import lzma
import os
from pathlib import Path

import pytest

from delegopts.catalog import Catalog

VERSIONS = ("6.1.170", "6.12.107", "6.18.44", "7.2.13")
SHARED = Path(
    os.environ.get("DELEGOPTS_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
)
KERNELS = SHARED / "kernels"


@functools.cache
def raw_btf(version: str) -> bytes:
    """The complete vmlinux BTF of a real kernel, or skip the test."""
    path = KERNELS / f"{version}.btf.xz"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real kernels' BTF lives in shared/ beside the repo")
    return lzma.decompress(path.read_bytes())


@functools.cache
def names_btf(version: str) -> bytes:
    """BTF with the names of a real kernel: the complete BTF, else the shipped snapshot."""
    path = KERNELS / f"{version}.btf.xz"
    if path.exists():
        return lzma.decompress(path.read_bytes())
    from delegopts.btf import snapshots

    return snapshots.load(version)


@functools.cache
def catalog(version: str) -> Catalog:
    """The catalog of a real kernel, labelled with its version."""
    return Catalog.from_bytes(names_btf(version), label=version)
