"""Test data for the lint tests: the real kernels' catalogs and real-world configurations.

The kernels' BTF lives in ``shared/kernels`` beside the repository (``DELEGOPTS_SHARED``
overrides it); tests that need it skip with the reason when it is absent.
"""

from __future__ import annotations

import functools
import lzma
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from delegopts.catalog import Catalog

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("DELEGOPTS_SHARED", HERE.parents[2] / "shared"))


@functools.cache
def catalog(version: str) -> Catalog:
    """The catalog of a real kernel (``6.18.44``...), labelled with its version."""
    path = SHARED / "kernels" / f"{version}.btf.xz"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real kernels' BTF lives in shared/ beside the repo")
    return Catalog.from_bytes(lzma.decompress(path.read_bytes()), label=version)


def configs() -> list[dict[str, Any]]:
    """The configurations of ``configs.toml``, each with its source."""
    with (HERE / "configs.toml").open("rb") as handle:
        return list(tomllib.load(handle)["config"])
