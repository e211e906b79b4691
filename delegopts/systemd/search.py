"""Where the system manager finds a unit's files under a root folder: the unit search path.

systemd looks for ``NAME`` in each folder of its search path in turn (highest priority
first): the first folder that has the file gives the unit's own file, or, for an instance
``foo@bar.service`` that has none, the template ``foo@.service``. Drop-ins come from every
folder of the path and every drop-in folder name of the unit (``NAME.d``, the template's,
the dash prefixes', the type's); where two have the same file name the higher-priority
folder's wins, and the survivors are read in the order of their file names. A file that is
empty or a link to ``/dev/null`` masks a unit's own file: systemd loads none of its
settings. A drop-in so made is listed like any other, reads empty, and so hides the
same-named drop-ins of lower priority. A link to a unit file of the search path under
another name is an alias: the unit is the one it names, and the drop-ins of all its names
apply.

Links are followed inside the root (an absolute target is taken under it), as systemd's
own lookup does for a root directory. tests/systemd/test_unit_search.py holds all of this
to systemd 262.1's functions.

>>> SEARCH_PATH[4], SEARCH_PATH[-2]
('etc/systemd/system', 'usr/lib/systemd/system')
"""

from __future__ import annotations

import os
from pathlib import Path

from delegopts._namedtuple import NamedTuple
from delegopts.systemd.units import (
    UnitFile,
    dropin_dirs,
    dropins,
    file_text,
    is_unit_name,
    resolve_in,
)

__all__ = [
    "SEARCH_PATH",
    "RootUnit",
    "dropin_paths",
    "find_unit",
    "own_file",
    "unit_names",
    "units_under",
]

#: The system manager's unit search path below the root, highest priority first, as
#: systemd 262's lookup_paths_init() lays it out (no $SYSTEMD_UNIT_PATH).
SEARCH_PATH = (
    "etc/systemd/system.control",
    "run/systemd/system.control",
    "run/systemd/transient",
    "run/systemd/generator.early",
    "etc/systemd/system",
    "etc/systemd/system.attached",
    "run/systemd/system",
    "run/systemd/system.attached",
    "run/systemd/generator",
    "usr/local/lib/systemd/system",
    "usr/lib/systemd/system",
    "run/systemd/generator.late",
)


class RootUnit(NamedTuple):
    """A unit as the system manager under a root sees it.

    ``files``: its own file, then its drop-ins in systemd's order (only drop-ins when it
    has no file of its own: ``complete`` is then False). ``masked``: the path that masks it
    (an empty file or a link to ``/dev/null``), else None; a masked unit has no files.
    ``name`` is the unit's own name when the name asked for is one of its ``aliases``.
    """

    name: str
    files: list[UnitFile]
    complete: bool
    masked: str | None = None
    aliases: tuple[str, ...] = ()


def _masks(root: Path, path: Path) -> bool:
    resolved = resolve_in(root, path)
    return resolved is None or (resolved.is_file() and resolved.stat().st_size == 0)


def _aliases(root: Path) -> dict[str, str]:
    """Each alias under ``root`` -> the name it links to: a link in a folder of the search
    path to a differently named unit file in a folder of the search path (``systemctl
    enable`` writes them for ``Alias=``). The first folder that has a name decides what it
    is, but a link to the same name there is passed over."""
    seen: set[str] = set()
    found: dict[str, str] = {}
    for folder in SEARCH_PATH:
        directory = root / folder
        if not directory.is_dir():
            continue
        for entry in sorted(directory.iterdir()):
            if entry.name in seen or entry.name.endswith(".d"):
                continue
            target = resolve_in(root, entry) if entry.is_symlink() else None
            if target is not None and target != entry and _in_search_path(root, target):
                if target.name == entry.name:
                    continue  # adds nothing: a later folder's entry decides
                found[entry.name] = target.name
            seen.add(entry.name)
    return found


def unit_names(
    root: Path, name: str, aliases: dict[str, str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """The unit that ``name`` is under ``root`` (itself, or what it is an alias of), and its
    other names there: ``name`` itself when it is an alias, and every alias of the unit,
    unless it is masked (``aliases``: the root's, when already found)."""
    aliases = _aliases(root) if aliases is None else aliases

    def unit_of(alias: str) -> str:  # by name: an alias of an alias names the last one
        for _ in range(len(aliases) + 1):
            if alias not in aliases:
                break
            alias = aliases[alias]
        return alias

    unit = unit_of(name)
    own = own_file(root, unit)
    if own is not None and _masks(root, own):  # a masked unit has no other names
        return unit, tuple(sorted({name} - {unit}))
    others = {alias for alias in aliases if unit_of(alias) == unit}
    return unit, tuple(sorted(others | ({name} - {unit})))


def own_file(root: Path, name: str) -> Path | None:
    """The path systemd takes as unit ``name``'s own file under ``root`` (maybe a mask);
    for an alias, use :func:`unit_names` first."""
    stem, _, suffix = name.rpartition(".")
    candidates = [name]
    if "@" in stem and not stem.endswith("@"):
        candidates.append(f"{stem.split('@')[0]}@.{suffix}")
    for candidate in candidates:
        for folder in SEARCH_PATH:
            path = root / folder / candidate
            if path.is_symlink() or path.exists():
                # a link to a file of the search path adds nothing (the file is found
                # where it is); one out of it ("systemctl link") is the unit file itself
                target = resolve_in(root, path)
                if target is not None and target != path and _in_search_path(root, target):
                    continue
                return path
    return None


def _in_search_path(root: Path, path: Path) -> bool:
    folders = {os.path.realpath(root / folder) for folder in SEARCH_PATH}
    return path.is_file() and os.path.realpath(path.parent) in folders


def dropin_paths(root: Path, name: str, aliases: tuple[str, ...] = ()) -> list[Path]:
    """The drop-ins systemd lists for unit ``name`` (and its ``aliases``) under ``root``, in
    its order (see :func:`~delegopts.systemd.units.dropins`; systemd takes the aliases in
    its hash table's order, here by name)."""
    # Through the search path, the unit's own, template and prefix drop-in folders, then
    # each alias's; then, through it again, the type's (service.d): the most generic comes
    # last, so a unit's foo.service.d/x.conf in /usr/lib hides service.d/x.conf in /etc.
    folders: list[Path] = []
    for each in (name, *aliases):
        *specific, generic = (directory.name for directory in dropin_dirs(root, each))
        folders += [root / folder / one for folder in SEARCH_PATH for one in specific]
    folders += [root / folder / generic for folder in SEARCH_PATH]
    return dropins(folders, root)


def find_unit(root: Path, name: str, aliases: dict[str, str] | None = None) -> RootUnit | None:
    """Unit ``name`` (``foo.service``) under ``root``; None if no folder has anything of it.

    A file that cannot be read as a unit (a FIFO, a device, a link loop) is an InputError
    naming it; a folder that cannot be listed, an OSError."""
    name, others = unit_names(root, name, aliases)
    own = own_file(root, name)
    if own is not None and _masks(root, own):
        return RootUnit(name, [], False, str(own), others)
    dropins = dropin_paths(root, name, others)
    if own is None and not dropins:
        return None
    files = [UnitFile(str(path), file_text(path, root)) for path in dropins]
    if own is not None:
        files.insert(0, UnitFile(str(own), file_text(own, root)))
    return RootUnit(name, files, own is not None, None, others)


def units_under(root: Path) -> list[RootUnit]:
    """Every unit with an execution environment under ``root``, by name: those with a file
    of their own (drop-ins alone make no unit: systemd finds none), masked ones included
    (with no files)."""
    names: set[str] = set()
    for folder in SEARCH_PATH:
        directory = root / folder
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if is_unit_name(name := entry.name.removesuffix(".d")):
                names.add(name)
    aliases = _aliases(root)
    found = (find_unit(root, name, aliases) for name in sorted(names - set(aliases)))
    return [unit for unit in found if unit is not None and (unit.complete or unit.masked)]
