"""What every command shares: exit statuses, output streams, target-kernel options."""

from __future__ import annotations

import argparse
import enum
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from delegopts.catalog import Catalog

__all__ = [
    "IO",
    "JSON_SCHEMA",
    "ExitStatus",
    "UsageError",
    "add_target",
    "catalog_for",
    "dump_json",
    "read_lines",
]

#: Bumped when a key of the JSON output changes meaning or goes away.
JSON_SCHEMA = 1


class ExitStatus(enum.IntEnum):
    OK = 0
    INVALID = 1
    USAGE = 2
    UNREADABLE = 3
    INTERNAL = 4
    INTERRUPTED = 130


class UsageError(Exception):
    """Arguments that do not make a valid command line (exit status 2)."""


@dataclass(frozen=True)
class IO:
    out: TextIO
    err: TextIO


def add_target(parser: argparse.ArgumentParser) -> None:
    """The options that choose the target kernel."""
    group = parser.add_argument_group("target kernel (default: the running kernel)")
    group.add_argument(
        "--btf", metavar="FILE", help="the kernel's raw BTF, e.g. /sys/kernel/btf/vmlinux"
    )
    group.add_argument(
        "--no-btf",
        action="store_true",
        help="as the kernel behaves when it cannot read its BTF: only 'any' and numbers",
    )


def catalog_for(args: argparse.Namespace) -> Catalog:
    """The target kernel's catalog; raises BTFError when it cannot be read."""
    from delegopts.catalog import Catalog

    catalog = Catalog.from_file(args.btf) if args.btf else Catalog.running_kernel()
    return catalog.without_names() if args.no_btf else catalog


def read_lines(name: str, io: IO) -> list[tuple[int, str]]:
    """``(line number, text)`` of a file, or of standard input for ``-``; newline removed."""
    if name == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(name).read_text("utf-8", "surrogateescape")
        except OSError as error:
            raise FileNotFoundError(f"{name}: cannot read: {error.strerror}") from error
    return [(number, line) for number, line in enumerate(text.splitlines(), start=1)]


def dump_json(value: Any, io: IO) -> None:
    io.out.write(json.dumps(value, sort_keys=True, ensure_ascii=False) + "\n")
