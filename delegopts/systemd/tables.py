"""systemd's BPFDelegate*= name tables, one per release, as that release was built.

Each ``tables/NNN.json`` is written by ``tools/gen_systemd_tables.py``: from the ``bpf.h``
systemd bundles at the release's commit, read by the rules of its build script
(:mod:`delegopts.systemd.headers`), or from the tables compiled into a real build.

>>> release = load(262)
>>> release.names(OptionKind.PROGS)[31]
'BPFProgTypeNetfilter'
>>> release.bit(OptionKind.CMDS, "BPFProgLoad")
5
>>> release.bit(OptionKind.CMDS, "BPFProgRun") is None
True
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from delegopts._resources import read_text
from delegopts.catalog import OptionKind
from delegopts.errors import DelegoptsError

__all__ = [
    "ENUM_OF",
    "KNOWN",
    "Release",
    "UnknownRelease",
    "installed_release",
    "load",
    "select",
]

#: The releases whose tables are shipped, oldest first.
KNOWN = (258, 259, 260, 262)
#: The suffix of systemd's table (``bpf_delegate_<suffix>_table``) for each option.
ENUM_OF = {
    OptionKind.CMDS: "cmd",
    OptionKind.MAPS: "map_type",
    OptionKind.PROGS: "prog_type",
    OptionKind.ATTACHS: "attach_type",
}
# Where distributions install systemd's private shared library, whose name has the release.
_LIBRARY_DIRS = (
    "/usr/lib/systemd",
    "/usr/lib/x86_64-linux-gnu/systemd",
    "/usr/lib64/systemd",
    "/lib/systemd",
)
_LIBRARY = re.compile(r"libsystemd-shared-(\d+)(?:[.~-][^/]*)?\.so$")


class UnknownRelease(DelegoptsError, ValueError):
    """A systemd release delegopts has no tables for, or a version that is none."""

    def __init__(self, message: str, *, suggestion: str) -> None:
        super().__init__(f"{message}; {suggestion}")
        self.suggestion = suggestion


@dataclass(frozen=True, slots=True, eq=False)
class Release:
    """One systemd release's four tables: index = the bit systemd sets for the name."""

    release: int
    source: str
    tables: dict[OptionKind, tuple[str, ...]]
    _bits: dict[OptionKind, dict[str, int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for kind, names in self.tables.items():
            bits: dict[str, int] = {}
            for bit, name in enumerate(names):
                bits.setdefault(name, bit)  # string_table_lookup() returns the first match
            self._bits[kind] = bits

    def __str__(self) -> str:
        return f"systemd {self.release}"

    def names(self, kind: OptionKind) -> tuple[str, ...]:
        return self.tables[kind]

    def bit(self, kind: OptionKind, word: str) -> int | None:
        """The table index systemd finds for ``word`` (exact, case-sensitive), or None."""
        return self._bits[kind].get(word)

    def name(self, kind: OptionKind, bit: int) -> str | None:
        """The word systemd writes for ``bit``, or None where its table has none."""
        names = self.tables[kind]
        return names[bit] if 0 <= bit < len(names) else None


@functools.cache
def load(release: int) -> Release:
    """The shipped tables of ``release``; :class:`UnknownRelease` when there are none."""
    if release not in KNOWN:
        raise UnknownRelease(
            f"no BPFDelegate*= tables for systemd {release}",
            suggestion="known releases: " + ", ".join(map(str, KNOWN)),
        )
    document = json.loads(read_text("delegopts.systemd", f"tables/{release}.json"))
    tables = {kind: tuple(document["tables"][enum]) for kind, enum in ENUM_OF.items()}
    return Release(int(document["release"]), str(document["source"]), tables)


def installed_release(roots: tuple[str, ...] = _LIBRARY_DIRS) -> int | None:
    """The release of the systemd installed here (its ``libsystemd-shared-NNN.so``), or None."""
    for root in roots:
        folder = Path(root)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            match = _LIBRARY.match(path.name)
            if match is not None:
                return int(match[1])
    return None


def select(requested: str | None) -> tuple[Release, str]:
    """The tables for ``--systemd VERSION`` (None: the installed one, else the newest known),
    and a sentence saying which release was chosen and why."""
    if requested is not None:
        match = re.fullmatch(r"v?(\d+)(?:\.\d+)*(?:~\w+)?", requested.strip())
        if match is None:
            raise UnknownRelease(
                f"--systemd {requested!r}: not a systemd version",
                suggestion="give the release number, e.g. --systemd 262",
            )
        release = load(int(match[1]))
        return release, f"systemd {release.release} (--systemd {requested})"
    installed = installed_release()
    newest = load(KNOWN[-1])
    if installed is None:
        return newest, f"systemd {newest.release} (newest known; no systemd found here)"
    if installed in KNOWN:
        return load(installed), f"systemd {installed} (installed here)"
    if installed < KNOWN[0]:
        why = f"the installed systemd {installed} has no BPFDelegate*= settings"
    else:
        why = f"no tables for the installed systemd {installed}"
    return newest, f"systemd {newest.release} (newest known; {why})"
