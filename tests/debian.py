"""Debian packages (unstable by default) for tests that compare delegopts with the real tools.

:func:`package` downloads a binary package of a Debian suite and unpacks it into a cache
folder, without touching the machine's apt setup: apt runs with a private ``APT_CONFIG``
whose sources list names that suite (of the archive the machine's own sources point at,
so a configured mirror or proxy is used), and whose package lists, cache and status live
in the cache folder. Nothing is installed.

Where the package cannot be had (no apt, no network, not in the suite), the calling test
is skipped with the reason. The cache folder is ``$DELEGOPTS_TEST_CACHE`` or
``~/.cache/delegopts-tests``; a package is downloaded once per version and reused.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["CACHE", "apt_env", "download", "package"]

CACHE = Path(
    os.environ.get("DELEGOPTS_TEST_CACHE", Path.home() / ".cache" / "delegopts-tests")
).expanduser()
_TIMEOUT = 600  # seconds for one apt call: package lists are tens of MB


def _archive_uri() -> str:
    """The Debian archive the machine's own apt sources name (deb822 or one-line form)."""
    override = os.environ.get("DELEGOPTS_DEBIAN_ARCHIVE")
    if override:
        return override
    candidates: list[Path] = [Path("/etc/apt/sources.list")]
    parts = Path("/etc/apt/sources.list.d")
    if parts.is_dir():
        candidates += sorted(parts.iterdir())
    for path in candidates:
        if path.suffix not in (".list", ".sources") or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.MULTILINE):
            if "security" not in uri and "debian" in uri:
                return uri
        for uri in re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", text, re.MULTILINE):
            if "security" not in uri and "debian" in uri:
                return uri
    pytest.skip("no Debian archive in this machine's apt sources (set DELEGOPTS_DEBIAN_ARCHIVE)")


@functools.cache
def apt_env(suite: str = "unstable") -> dict[str, str]:
    """The environment that runs apt-get against Debian's ``suite``, lists updated once."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("apt-get and dpkg-deb are needed to fetch Debian packages")
    root = CACHE / "apt" if suite == "unstable" else CACHE / f"apt-{suite}"
    for sub in ("lists/partial", "cache/archives/partial", "etc/sources.list.d"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "status").touch()
    keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    signed = f" [signed-by={keyring}]" if Path(keyring).exists() else ""
    (root / "etc/sources.list").write_text(f"deb{signed} {_archive_uri()} {suite} main\n")
    (root / "apt.conf").write_text(
        f'Dir::State "{root}";\n'
        f'Dir::State::lists "{root}/lists";\n'
        f'Dir::State::status "{root}/status";\n'
        f'Dir::Cache "{root}/cache";\n'
        f'Dir::Etc::sourcelist "{root}/etc/sources.list";\n'
        f'Dir::Etc::sourceparts "{root}/etc/sources.list.d";\n'
        'APT::Architecture "amd64";\n'
        'Acquire::Languages "none";\n'
    )
    env = dict(os.environ, APT_CONFIG=str(root / "apt.conf"), DEBIAN_FRONTEND="noninteractive")
    try:
        done = subprocess.run(
            ["apt-get", "-qq", "update"], env=env, capture_output=True, text=True,
            timeout=_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip(f"apt-get update of Debian {suite} timed out")
    if done.returncode != 0:
        pytest.skip(f"apt-get update of Debian {suite} failed: {done.stderr.strip()[-300:]}")
    return env


def download(name: str, suite: str = "unstable") -> Path:
    """The ``.deb`` of Debian ``suite``'s binary package ``name``, or skip."""
    env = apt_env(suite)
    downloads = CACHE / "debs"
    downloads.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["apt-get", "-qq", "download", name], cwd=downloads, env=env,
            capture_output=True, text=True, timeout=_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip(f"apt-get download {name} timed out")
    if done.returncode != 0:
        pytest.skip(f"Debian {suite}'s {name} cannot be had: {done.stderr.strip()[-300:]}")
    # The file of this suite's version: the folder holds other suites' versions too
    # (apt-get names files with the epoch's colon escaped).
    shown = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", name], env=env,
        capture_output=True, text=True, timeout=_TIMEOUT, check=False,
    )  # fmt: skip
    version = re.search(r"^Version: (\S+)", shown.stdout, re.MULTILINE)
    debs = [] if version is None else sorted(
        downloads.glob(f"{name}_{version[1].replace(':', '%3a')}_*.deb")
    )  # fmt: skip
    if not debs:
        pytest.skip(f"Debian {suite}'s {name}: no downloaded file of its version")
    return debs[-1]


def package(name: str, suite: str = "unstable") -> Path:
    """The unpacked tree of Debian ``suite``'s binary package ``name`` (``dpkg -x``), or skip."""
    deb = download(name, suite)
    tree = CACHE / "trees" / deb.stem
    if not (tree / ".complete").exists():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, timeout=_TIMEOUT)
        (tree / ".complete").touch()
    return tree
