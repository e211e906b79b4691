"""systemd's BPFDelegate*= name tables, for each release, as that release was built.

The tables under ``releases/`` are written by ``tools/gen_systemd_tables.py``: from the
``bpf.h`` systemd bundles at each release tag, read by the rules of its build script
(:mod:`delegopts.systemd.headers`), or from the tables compiled into a real build.
Point releases matter: 258.4 and 258.5 took newer headers, and with them new names.

>>> release = load("262.1")
>>> release.names(OptionKind.PROGS)[31]
'BPFProgTypeNetfilter'
>>> release.bit(OptionKind.CMDS, "BPFProgLoad")
5
>>> release.bit(OptionKind.CMDS, "BPFProgRun") is None
True
>>> [load(v).bit(OptionKind.MAPS, "BPFMapTypeInsnArray") for v in ("258.3", "258.4")]
[None, 34]
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from delegopts.catalog import OptionKind
from delegopts.errors import DelegoptsError
from delegopts.grammar.resources import read_text

__all__ = [
    "ENUM_OF",
    "Release",
    "UnknownRelease",
    "installed_release",
    "known",
    "load",
    "select",
]

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
_VERSION = re.compile(r"v?(\d+(?:\.\d+)?)(?:[.~-]\w*)*")


class UnknownRelease(DelegoptsError, ValueError):
    """A systemd release delegopts has no tables for, or a version that is none."""

    def __init__(self, message: str, *, suggestion: str) -> None:
        super().__init__(f"{message}; {suggestion}")
        self.message, self.suggestion = message, suggestion


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@functools.cache
def _index() -> dict[str, str]:
    index: dict[str, str] = json.loads(read_text("delegopts.systemd.releases", "releases.json"))
    return index


def known() -> tuple[str, ...]:
    """Every release whose tables are shipped, oldest first (``258``, ``258.1``...)."""
    return tuple(sorted(_index(), key=_key))


@dataclass(frozen=True, slots=True, eq=False)
class Release:
    """One systemd release's four tables: index = the bit systemd sets for the name."""

    version: str
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
        return f"systemd {self.version}"

    @property
    def major(self) -> int:
        return _key(self.version)[0]

    def names(self, kind: OptionKind) -> tuple[str, ...]:
        return self.tables[kind]

    def bit(self, kind: OptionKind, word: str) -> int | None:
        """The table index systemd finds for ``word`` (exact, case-sensitive), or None."""
        return self._bits[kind].get(word)

    def name(self, kind: OptionKind, bit: int) -> str | None:
        """The word systemd writes for ``bit``, or None where its table has none."""
        names = self.tables[kind]
        return names[bit] if 0 <= bit < len(names) else None


def _known_list() -> str:
    majors: dict[int, list[str]] = {}
    for version in known():
        majors.setdefault(_key(version)[0], []).append(version)
    return "known releases: " + ", ".join(
        versions[0] if len(versions) == 1 else f"{versions[0]}-{versions[-1]}"
        for versions in majors.values()
    )


@functools.cache
def load(version: str) -> Release:
    """The shipped tables of ``version`` (``258.4``); :class:`UnknownRelease` if none."""
    table = _index().get(version)
    if table is None:
        raise UnknownRelease(
            f"no BPFDelegate*= tables for systemd {version}", suggestion=_known_list()
        )
    document = json.loads(read_text("delegopts.systemd.releases", f"{table}.json"))
    tables = {kind: tuple(document["tables"][enum]) for kind, enum in ENUM_OF.items()}
    return Release(version, str(document["source"]), tables)


def installed_release(
    roots: tuple[str, ...] = _LIBRARY_DIRS, *, root: str | None = None
) -> str | None:
    """The version of the systemd installed here (``258.4``), or under ``root`` (an
    image's root folder), or None.

    ``systemctl --version`` names the full version in parentheses (``systemd 258
    (258.4-1)``); where it cannot run, and always under a root (this host's systemctl is
    not the image's), the private library's file name gives the release.
    """
    systemctl = shutil.which("systemctl") if root is None else None
    if systemctl is not None:
        try:
            done = subprocess.run(
                [systemctl, "--version"], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.SubprocessError):
            done = None
        match = re.match(r"systemd (\d+)(?: \((\d+(?:\.\d+)?))?", done.stdout if done else "")
        if match is not None:
            return match[2] if match[2] and match[2].startswith(match[1]) else match[1]
    for library in roots:
        folder = Path(library) if root is None else Path(root, library.lstrip("/"))
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                found = _LIBRARY.match(path.name)
                if found is not None:
                    return found[1]
    return None


def _point(version: str) -> int:
    return (*_key(version), 0)[1]


def _resolve(version: str) -> tuple[Release, str]:
    """``version``'s tables, else those of the closest known point release of its major."""
    if version in _index():
        return load(version), ""
    major = _key(version)[0]
    same = [other for other in known() if _key(other)[0] == major]
    if not same:
        raise UnknownRelease(
            f"no BPFDelegate*= tables for systemd {version}", suggestion=_known_list()
        )
    point = _point(version)
    closest = min(same, key=lambda other: (abs(_point(other) - point), -_point(other)))
    return load(closest), f"; tables of {closest}: none were read for {version} itself"


def select(
    requested: str | None, *, origin: str | None = None, root: str | None = None
) -> tuple[Release, str]:
    """The tables for ``--systemd VERSION`` (None: the installed one, else the newest known),
    and a sentence saying which release was chosen and why.

    ``origin`` says where ``requested`` was written when not on the command line (a
    settings file): the sentence and any error name it instead of ``--systemd``. ``root``:
    the installed one is the systemd under that folder (an image's), not this host's.
    """
    newest = known()[-1]
    if requested is not None:
        where = origin or f"--systemd {requested}"
        match = _VERSION.fullmatch(requested.strip())
        if match is None:
            raise UnknownRelease(
                f"{origin or f'--systemd {requested!r}'}: not a systemd version",
                suggestion="give the release, e.g. 262.1 or 258",
            )
        try:
            release, note = _resolve(match[1])
        except UnknownRelease as error:
            if origin is None:
                raise
            message = f"{origin}: {error.message}"
            raise UnknownRelease(message, suggestion=error.suggestion) from None
        return release, f"systemd {match[1]} ({where}{note})"
    installed = installed_release(root=root)
    here = "here" if root is None else f"under {root}"
    if installed is None:
        return load(newest), f"systemd {newest} (newest known; no systemd found {here})"
    if _key(installed)[0] < _key(known()[0])[0]:
        why = f"the systemd {installed} installed {here} has no BPFDelegate*= settings"
        return load(newest), f"systemd {newest} (newest known; {why})"
    try:
        release, note = _resolve(installed)
    except UnknownRelease:
        why = f"no tables for the systemd {installed} installed {here}"
        return load(newest), f"systemd {newest} (newest known; {why})"
    return release, f"systemd {installed} (installed {here}{note})"
