"""systemd's own parser of ``BPFDelegate*=`` settings, from a real build, as a test oracle.

:func:`oracle` gives a :class:`SystemdOracle` running Debian unstable's
``libsystemd-shared`` (``libsystemd-core-NNN.so``) in one child process
(``tests/systemd_child.py``), or skips the test with the reason. The libraries need only
glibc 2.34, so the child is this same Python; where the machine's C library is older, the
child runs under the unpacked ``libc6``'s loader.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from debian import package

__all__ = ["Parsed", "SystemdOracle", "oracle"]

_CHILD = Path(__file__).with_name("systemd_child.py")
_GLIBC = (2, 34)  # the newest symbol version Debian's libsystemd-shared 262 needs


@dataclass(frozen=True)
class Parsed:
    """What systemd made of one unit: the four masks, the lines it logged, and the values of
    PrivateBPF= and PrivateUsers= (their enums' numbers; 0 is "no")."""

    masks: tuple[int, int, int, int]
    log: tuple[str, ...]
    private_bpf: int = 0
    private_users: int = 0


class SystemdOracle:
    """One child process that answers with systemd's own functions."""

    def __init__(self, folder: Path) -> None:
        # The package's version (262.1): the library's name has only the major.
        match = re.search(r"libsystemd-shared_(\d+(?:\.\d+)?)", str(folder))
        if match is None:
            pytest.skip(f"{folder}: not an unpacked libsystemd-shared package")
        self.release = match[1]
        self.folder = folder
        self._process = subprocess.Popen(
            [*_loader(), sys.executable, str(_CHILD), str(folder)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def _ask(self, request: dict[str, object]) -> object:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"systemd oracle died (status {self._process.wait(timeout=30)})")
        return json.loads(line)

    def tables(self) -> dict[str, list[str]]:
        """systemd's four name tables: index = bit."""
        answer = self._ask({"op": "tables"})
        assert isinstance(answer, dict)
        return answer

    def units(self, units: list[list[str]], kind: str = "service") -> list[Parsed]:
        """Each unit (main file text, then its drop-ins in order) as systemd reads it, as
        a unit of type ``kind`` (``service``, ``socket``, ``mount``, ``swap``)."""
        answer = self._ask({"op": "units", "units": units, "kind": kind})
        assert isinstance(answer, list)
        return [
            Parsed(tuple(item["masks"]), tuple(item["log"]),
                   item["enums"]["PrivateBPF"], item["enums"]["PrivateUsers"])
            for item in answer
        ]  # fmt: skip

    def words(self, kind: str, words: list[str]) -> list[int]:
        """``bpf_delegate_<kind>_from_string`` of each word (negative: unknown)."""
        answer = self._ask({"op": "words", "kind": kind, "words": words})
        assert isinstance(answer, list)
        return answer

    def search(self, root: Path, names: list[str]) -> list[tuple[str | None, list[str], str]]:
        """Where systemd under ``root`` finds each unit: its own file, its drop-ins, and
        the name of the unit it is (an alias's target)."""
        answer = self._ask({"op": "search", "root": str(root), "names": names})
        assert isinstance(answer, list)
        return [(own, list(dropins), unit) for own, dropins, unit in answer]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


def _loader() -> list[str]:
    """The unpacked libc6's loader where this machine's glibc is older than systemd needs."""
    version = os.confstr("CS_GNU_LIBC_VERSION") or "glibc 0.0"
    if tuple(int(part) for part in version.split()[-1].split(".")[:2]) >= _GLIBC:
        return []
    libc = package("libc6") / "usr/lib/x86_64-linux-gnu"
    return [str(libc / "ld-linux-x86-64.so.2"), "--library-path", str(libc)]


@functools.cache
def _folder() -> Path:
    tree = package("libsystemd-shared")
    folder = tree / "usr/lib/x86_64-linux-gnu/systemd"
    if not any(folder.glob("libsystemd-core-*.so")):
        pytest.skip(f"{tree}: no libsystemd-core-*.so in Debian's libsystemd-shared")
    return folder


def oracle() -> SystemdOracle:
    """A running oracle on Debian unstable's systemd, or skip."""
    return SystemdOracle(_folder())
