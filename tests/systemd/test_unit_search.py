"""Units found under a root as systemd finds them: its own file, the unit an alias names,
and drop-ins from every folder of the unit search path for all of the unit's names, held to
systemd 262's own lookup functions (through ctypes, in the oracle's child process) on
generated trees."""

from __future__ import annotations

import os
import random
from pathlib import Path

from systemd_oracle import oracle

from delegopts.systemd.search import (
    SEARCH_PATH,
    dropin_paths,
    find_unit,
    own_file,
    unit_names,
    units_under,
)

NAMES = ["foo.service", "foo-bar.service", "foo-bar-baz.service", "a@x.service",
         "sock.socket", "data.mount", "other.service", "al.service", "al2.service"]  # fmt: skip
#: Drop-in folder names the names above read (theirs, prefixes', template's, type's).
DROPIN_DIRS = ["foo.service.d", "foo-.service.d", "foo-bar.service.d", "foo-bar-.service.d",
               "foo-bar-baz.service.d", "a@.service.d", "a@x.service.d", "service.d",
               "socket.d", "sock.socket.d", "data.mount.d", "mount.d", "al.service.d",
               "al2.service.d"]  # fmt: skip
CONFS = ["10-a.conf", "20-b.conf", "override.conf", "notes.txt", ".hidden.conf"]


def _tree(root: Path, rng: random.Random) -> None:
    """A random unit tree: own files, masks, templates, drop-ins, links in and out."""
    (root / "srv").mkdir(parents=True)
    (root / "srv/shared.conf").write_text("[Service]\nPrivateBPF=yes\n")
    for _ in range(rng.randint(1, 14)):
        folder = root / rng.choice(SEARCH_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < 0.1:  # an alias: a link to a unit file of the search path
            units = [p for f in SEARCH_PATH for p in sorted((root / f).glob("*.service"))
                     if p.is_file() and not p.is_symlink() and p.stat().st_size
                     and "@" not in p.name]  # fmt: skip
            alias = folder / rng.choice(["al.service", "al2.service"])
            if units and not (alias.exists() or alias.is_symlink()):
                target = rng.choice(units)
                alias.symlink_to("/" + str(target.relative_to(root)))
        elif rng.random() < 0.35:  # a unit's own file (or a template's), maybe masked
            name = rng.choice([*NAMES, "a@.service"])
            path = folder / name
            if path.exists() or path.is_symlink():
                continue
            shape = rng.choice(["file", "file", "empty", "null"])
            if shape == "null":
                path.symlink_to("/dev/null")
            else:
                path.write_text("" if shape == "empty" else f"[Service]\n# {path}\n")
        else:  # a drop-in
            directory = folder / rng.choice(DROPIN_DIRS)
            directory.mkdir(exist_ok=True)
            path = directory / rng.choice(CONFS)
            if path.exists() or path.is_symlink():
                continue
            shape = rng.choice(["file", "file", "file", "empty", "null", "link", "odd"])
            if shape == "null":
                path.symlink_to("/dev/null")
            elif shape == "link":  # absolute: taken inside the root
                path.symlink_to("/srv/shared.conf")
            elif shape == "odd":  # listed by systemd, or not: a FIFO, a folder, bad links
                make = rng.choice([os.mkfifo, Path.mkdir, lambda p: p.symlink_to(p.name),
                                   lambda p: p.symlink_to("/srv/missing.conf")])  # fmt: skip
                make(path)
            else:
                path.write_text("" if shape == "empty" else f"[Service]\n# {path}\n")


def _ours(root: Path, name: str) -> tuple[str | None, list[str], str]:
    """Our own file (maybe a mask) and drop-ins of the unit ``name`` is, and its name."""
    unit, aliases = unit_names(root, name)
    own = own_file(root, unit)
    paths = [str(p) for p in dropin_paths(root, unit, aliases)]
    return (None if own is None else str(own)), paths, unit


def test_units_are_found_as_systemd_finds_them(tmp_path: Path) -> None:
    found = oracle()
    rng = random.Random(262)
    compared = masked = aliased = 0
    for number in range(250):
        root = tmp_path / str(number)
        root.mkdir()
        _tree(root, rng)
        theirs = found.search(root, NAMES)
        for name, (own, dropins, unit) in zip(NAMES, theirs, strict=True):
            ours = _ours(root, name)
            aliased += bool(unit_names(root, name)[1])
            if len(unit_names(root, name)[1]) > 1:
                # systemd takes a unit's other names in its hash table's order (random
                # each run): which of two same-named drop-ins of two aliases wins is
                # not fixed; the rest is
                assert (ours[0], ours[2]) == (own, unit), (root, name, ours)
                assert {os.path.basename(p) for p in ours[1]} == {
                    os.path.basename(p) for p in dropins
                }, (root, name, ours)
            else:
                assert ours == (own, dropins, unit), (root, name, ours)
            compared += bool(own or dropins)
            masks = own is not None and (os.path.realpath(own) == "/dev/null"
                                         or os.path.getsize(own) == 0)  # fmt: skip
            if masks:  # systemd loads nothing of it, and so reads none of its files
                found_unit = find_unit(root, name)
                assert found_unit is not None, (root, name)
                assert (found_unit.masked, found_unit.files) == (own, []), (root, name)
                masked += 1
    assert compared > 400 and masked > 20 and aliased > 40, (compared, masked, aliased)


def test_every_unit_under_a_root(tmp_path: Path) -> None:
    root = tmp_path
    (root / "usr/lib/systemd/system/foo.service.d").mkdir(parents=True)
    (root / "usr/lib/systemd/system/foo.service").write_text("[Service]\n")
    (root / "etc/systemd/system/bar.service.d").mkdir(parents=True)
    (root / "etc/systemd/system/bar.service.d/x.conf").write_text("[Service]\n")
    (root / "etc/systemd/system/masked.service").symlink_to("/dev/null")
    (root / "etc/systemd/system/app-.service.d").mkdir()  # a prefix folder: no unit
    (root / "etc/systemd/system/t@.service").write_text("[Service]\n")  # a template
    (root / "etc/systemd/system/multi-user.target.wants").mkdir()
    units = {unit.name: unit for unit in units_under(root)}
    # bar.service has drop-ins only: systemd finds no such unit
    assert sorted(units) == ["foo.service", "masked.service"]
    assert units["foo.service"].complete
    assert units["masked.service"].masked == str(root / "etc/systemd/system/masked.service")


def test_links_are_followed_inside_the_root(tmp_path: Path) -> None:
    folder = tmp_path / "etc/systemd/system/foo.service.d"
    folder.mkdir(parents=True)
    (tmp_path / "etc/systemd/system/foo.service").write_text("[Service]\n")
    target = tmp_path / "srv/a.conf"
    target.parent.mkdir()
    target.write_text("[Service]\nPrivateBPF=yes\n")
    link = folder / "x.conf"
    link.symlink_to("/srv/a.conf")
    unit = find_unit(tmp_path, "foo.service")
    assert unit is not None and unit.files[1].text == "[Service]\nPrivateBPF=yes\n"
    assert unit.files[1].path == str(link)  # findings name the drop-in systemd names
