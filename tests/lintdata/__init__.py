"""Test data for the lint tests: the real kernels' catalogs and real-world configurations.

The kernels' catalogs come from tests/kernels.py: the complete BTF in ``shared/kernels``
beside the repository (``DELEGOPTS_SHARED`` overrides it), else the shipped snapshot.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from kernels import catalog

__all__ = ["catalog", "configs"]

HERE = Path(__file__).resolve().parent


def configs() -> list[dict[str, Any]]:
    """The configurations of ``configs.toml``, each with its source."""
    with (HERE / "configs.toml").open("rb") as handle:
        return list(tomllib.load(handle)["config"])
