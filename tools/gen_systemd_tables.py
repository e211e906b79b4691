"""Regenerate ``delegopts/systemd/releases/``: each systemd release's BPFDelegate*= name tables.

From systemd's git history: each release tag from v258 on (point releases included: some
of them updated the bundled header, and with it the tables), the rules of systemd's
build script applied to the ``bpf.h`` it bundles at that tag
(``delegopts.systemd.headers``)::

    .venv/bin/python tools/gen_systemd_tables.py tags SYSTEMD_GIT_DIR

From a build, where no tag can be read: the tables compiled into its
``libsystemd-core-NNN.so`` (``bpf_delegate_*_to_string`` of each bit)::

    .venv/bin/python tools/gen_systemd_tables.py library 262.1 DIR --source "Debian's 262.1-1"

Identical tables are stored once, as ``releases/<first release>.json``, and
``releases/releases.json`` maps every release to its table.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import re
import subprocess
import sys
from pathlib import Path

from delegopts.systemd.headers import ENUMS, read_header

_OUT = Path(__file__).resolve().parents[1] / "delegopts" / "systemd" / "releases"
# Where systemd bundles the header: src/include/uapi from v258 on, src/basic/linux before.
_HEADERS = ("src/include/uapi/linux/bpf.h", "src/basic/linux/bpf.h")
_TAG = re.compile(r"v(2(?:5[89]|[6-9]\d)(?:\.\d+)?)")

Tables = dict[str, list[str]]


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def from_library(folder: Path) -> Tables:
    """The tables compiled into ``libsystemd-core-*.so``: each bit's name until there is none."""
    shared = next(folder.glob("libsystemd-shared-*.so"))
    ctypes.CDLL(str(shared), mode=ctypes.RTLD_GLOBAL)
    core = ctypes.CDLL(str(next(folder.glob("libsystemd-core-*.so"))))
    tables: Tables = {}
    for enum in ENUMS:
        function = getattr(core, f"bpf_delegate_{enum}_to_string")
        function.restype = ctypes.c_char_p
        function.argtypes = [ctypes.c_uint64]
        names: list[str] = []
        while (name := function(len(names))) is not None:
            names.append(name.decode())
        tables[enum] = names
    return tables


def _git(git_dir: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else ""


def from_tags(git_dir: Path) -> dict[str, tuple[Tables, str]]:
    """Each release tag's tables, and where they were read."""
    found: dict[str, tuple[Tables, str]] = {}
    for tag in _git(git_dir, "tag", "--list", "v2*").split():
        match = _TAG.fullmatch(tag)
        if match is None:
            continue
        commit = _git(git_dir, "rev-parse", f"{tag}^{{commit}}").strip()
        for path in _HEADERS:
            text = _git(git_dir, "show", f"{commit}:{path}")
            if text:
                read = read_header(text)
                tables = {enum: list(read.tables.get(enum, ())) for enum in ENUMS}
                found[match[1]] = (tables, f"tag {tag} (commit {commit}), {path}")
                for moved in read.shifted.values():
                    for name, bit, value in moved:
                        print(f"{tag}: {name} is bit {bit}, the kernel's {value}", file=sys.stderr)
                break
    return found


def write(found: dict[str, tuple[Tables, str]], out: Path) -> None:
    """Store each distinct table once, under its first release, and the release index."""
    index_path = out / "releases.json"
    index: dict[str, str] = json.loads(index_path.read_text()) if index_path.exists() else {}
    stored = {
        path.stem: json.loads(path.read_text())["tables"]
        for path in out.glob("*.json")
        if path.name != "releases.json"
    }
    for version in sorted(found, key=version_key):
        tables, source = found[version]
        same = next((key for key, known in stored.items() if known == tables), None)
        if same is None:
            same = version
            document = {"first": version, "source": source, "tables": tables}
            (out / f"{version}.json").write_text(json.dumps(document, indent=1) + "\n")
            stored[version] = tables
        index[version] = same
    ordered = dict(sorted(index.items(), key=lambda item: version_key(item[0])))
    index_path.write_text(json.dumps(ordered, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    tags = sub.add_parser("tags", help="every release tag of a systemd git directory")
    tags.add_argument("git_dir", type=Path)
    library = sub.add_parser("library", help="a folder with libsystemd-core-NNN.so")
    library.add_argument("release", help="the build's version, e.g. 262.1")
    library.add_argument("folder", type=Path)
    library.add_argument("--source", required=True, help="which build this is")
    library.add_argument(
        "--same-as", default="", help="releases assumed to have this build's tables, e.g. 262"
    )
    for mode in (tags, library):
        mode.add_argument("--out", type=Path, default=_OUT, help="the tables folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.mode == "tags":
        found = from_tags(args.git_dir)
    else:
        tables = from_library(args.folder)
        source = f"{args.source}: bpf_delegate_*_to_string() of each bit"
        found = {args.release: (tables, source)}
        found |= {other: (tables, source) for other in args.same_as.split(",") if other}
    write(found, args.out)
    print(f"{len(found)} releases written to {args.out}")


if __name__ == "__main__":
    main()
