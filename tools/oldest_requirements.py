"""Print pip requirements pinning every dependency to its lower bound in pyproject.toml.

``.ci/run`` installs them into a venv of their own and runs the test suite there, so each
``>=`` in pyproject.toml is a version the tests have passed with. Read are the runtime
dependencies, the ``test`` extra and the build requirements (the tests build the wheel);
a requirement without a lower bound is an error, so none escapes the check.

    python tools/oldest_requirements.py > oldest.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LOWER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^]]*\])?.*?>=\s*([0-9][^,;\s]*)")


def pins(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """``name==lower`` for each requirement, in pyproject's order, each name once."""
    config = tomllib.loads(pyproject.read_text())
    requirements = [
        *config["project"]["dependencies"],
        *config["project"]["optional-dependencies"]["test"],
        *config["build-system"]["requires"],
    ]
    found: dict[str, str] = {}
    for requirement in requirements:
        match = _LOWER.match(requirement)
        if match is None:
            raise SystemExit(f"pyproject.toml: {requirement!r} has no lower bound (>=)")
        name, version = match.group(1).lower(), match.group(2)
        if found.setdefault(name, version) != version:
            raise SystemExit(f"pyproject.toml: two lower bounds for {name}")
    return [f"{name}=={version}" for name, version in found.items()]


if __name__ == "__main__":
    sys.stdout.write("".join(f"{pin}\n" for pin in pins()))
