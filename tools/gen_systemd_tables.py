"""Regenerate ``delegopts/systemd/tables/NNN.json``: systemd NNN's BPFDelegate*= name tables.

From systemd's source, its build script's rules applied to the ``bpf.h`` it bundles at a
release (``delegopts.systemd.headers``)::

    .venv/bin/python tools/gen_systemd_tables.py git 260 SYSTEMD_GIT_DIR COMMIT
    .venv/bin/python tools/gen_systemd_tables.py header 260 bpf.h --source "..."

or, where only a build can be had, from the tables compiled into its
``libsystemd-core-NNN.so`` (``bpf_delegate_*_to_string`` of each bit)::

    .venv/bin/python tools/gen_systemd_tables.py library 262 DIR_WITH_LIBSYSTEMD_SO --source "..."

Each writes the JSON file (one per release) that ``delegopts.systemd.tables`` loads.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import subprocess
import sys
from pathlib import Path

from delegopts.systemd.headers import ENUMS, read_header

_OUT = Path(__file__).resolve().parents[1] / "delegopts" / "systemd" / "tables"
# Where systemd has bundled the header: from v258 on, and before it.
_HEADERS = ("src/include/uapi/linux/bpf.h", "src/basic/linux/bpf.h")


def from_library(folder: Path) -> dict[str, list[str]]:
    """The tables compiled into ``libsystemd-core-*.so``: each bit's name until there is none."""
    shared = next(folder.glob("libsystemd-shared-*.so"))
    ctypes.CDLL(str(shared), mode=ctypes.RTLD_GLOBAL)
    core = ctypes.CDLL(str(next(folder.glob("libsystemd-core-*.so"))))
    tables: dict[str, list[str]] = {}
    for enum in ENUMS:
        function = getattr(core, f"bpf_delegate_{enum}_to_string")
        function.restype = ctypes.c_char_p
        function.argtypes = [ctypes.c_uint64]
        names: list[str] = []
        while (name := function(len(names))) is not None:
            names.append(name.decode())
        tables[enum] = names
    return tables


def from_git(git_dir: Path, commit: str) -> tuple[str, str]:
    """The bundled header's text at ``commit``, and where it was read."""
    for path in _HEADERS:
        done = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode == 0:
            return done.stdout, path
    raise SystemExit(f"{git_dir}: no bpf.h at {commit}")


def write(release: int, source: str, tables: dict[str, list[str]], out: Path) -> Path:
    document = {"release": release, "source": source, "tables": tables}
    path = out / f"{release}.json"
    path.write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    git = sub.add_parser("git", help="bpf.h at a commit of a systemd git directory")
    git.add_argument("release", type=int)
    git.add_argument("git_dir", type=Path)
    git.add_argument("commit")
    header = sub.add_parser("header", help="a bpf.h file")
    header.add_argument("release", type=int)
    header.add_argument("header", type=Path)
    header.add_argument("--source", required=True, help="where the header comes from")
    library = sub.add_parser("library", help="a folder with libsystemd-core-NNN.so")
    library.add_argument("release", type=int)
    library.add_argument("folder", type=Path)
    library.add_argument("--source", required=True, help="which build this is")
    for mode in (git, header, library):
        mode.add_argument("--out", type=Path, default=_OUT, help="folder to write NNN.json in")
    args = parser.parse_args()
    if args.mode == "library":
        tables = from_library(args.folder)
        source = f"{args.source}: bpf_delegate_*_to_string() of each bit"
    else:
        if args.mode == "git":
            text, path = from_git(args.git_dir, args.commit)
            source = f"systemd commit {args.commit}, {path}"
        else:
            text, source = args.header.read_text("utf-8"), args.source
        read = read_header(text)
        tables = {enum: list(read.tables.get(enum, ())) for enum in ENUMS}
        for moved in read.shifted.values():
            for name, bit, value in moved:
                print(f"{args.release}: {name} is bit {bit}, the kernel's {value}", file=sys.stderr)
    print(write(args.release, source, tables, args.out))


if __name__ == "__main__":
    main()
