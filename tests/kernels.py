"""The four real kernels' complete BTF from ../shared/kernels (beside the repository).

Tests that need them skip with a reason where that folder is absent.
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
def catalog(version: str) -> Catalog:
    """The catalog of a real kernel, labelled with its version."""
    return Catalog.from_bytes(raw_btf(version), label=version)
