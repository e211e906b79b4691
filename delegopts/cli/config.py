"""Project settings for every command: ``delegopts.toml``, or ``[tool.delegopts]`` in
``pyproject.toml``, found in the current folder or the nearest one above it.

Keys (all optional): ``kernel`` (a shipped snapshot, as ``--kernel``), ``btf`` (as
``--btf``; relative to the file's folder), ``kernel-release`` (as ``--kernel-release``),
``ignore`` (a list of codes or names, added to ``--ignore``), ``strict`` (a boolean, as
``--strict``), ``systemd`` (the release units are read as, as ``--systemd``). The command
line wins over the file; ``--config FILE`` names another file
and ``--no-config`` reads none.

>>> settings = parse_settings({"kernel": "6.12.107", "ignore": ["D501"]}, "delegopts.toml")
>>> settings.kernel, settings.ignore
('6.12.107', ('D501',))
"""

from __future__ import annotations

import argparse
import os

from delegopts._namedtuple import NamedTuple
from delegopts.cli._common import UsageError
from delegopts.display import printable
from delegopts.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = [
    "Settings",
    "apply_settings",
    "find_settings",
    "parse_settings",
    "read_settings",
    "settings_from_text",
]

_KEYS = ("kernel", "btf", "kernel-release", "ignore", "strict", "systemd")


class Settings(NamedTuple):
    """What a settings file says, and which file it was."""

    path: str
    kernel: str | None = None
    btf: str | None = None
    kernel_release: str | None = None
    ignore: tuple[str, ...] = ()
    strict: bool | None = None
    systemd: str | None = None


def find_settings(start: str | os.PathLike[str]) -> Path | None:
    """The nearest ``delegopts.toml``, or ``pyproject.toml`` with ``[tool.delegopts]``.

    Every command looks, so the walk uses os.path: importing pathlib would cost each run
    more than the look itself; a Path is made only for a file found.
    """
    folder = os.path.abspath(start)
    while True:
        own = os.path.join(folder, "delegopts.toml")
        if os.path.isfile(own):
            return _path(own)
        project = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(project) and "[tool.delegopts]" in _text(project):
            return _path(project)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _path(name: str) -> Path:
    from pathlib import Path

    return Path(name)


def _text(name: str) -> str:
    with open(name, errors="replace") as stream:  # as Path.read_text(errors="replace")
        return stream.read()


def read_settings(path: Path) -> Settings:
    """The settings in ``path``; a UsageError naming the file, the line and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        why = f"cannot read: {error.strerror or error}"
        raise InputError(str(path), why, errno=error.errno) from error
    return settings_from_text(text, str(path), pyproject=path.name == "pyproject.toml")


def settings_from_text(text: str, name: str, *, pyproject: bool = False) -> Settings:
    """The settings in TOML ``text`` read from ``name`` (``[tool.delegopts]`` of a
    pyproject.toml with ``pyproject``)."""
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"delegopts: {printable(name)}: not TOML: {error}") from error
    table: Any = document
    if pyproject:
        table = document.get("tool", {}).get("delegopts", {})
    return parse_settings(table, name)


def parse_settings(table: Any, path: str) -> Settings:
    """Check the keys and types of a settings table."""
    where = f"delegopts: {printable(path)}"
    if not isinstance(table, dict):
        raise UsageError(f"{where}: the settings must be a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise UsageError(
            f"{where}: unknown setting {printable(unknown[0])!r}; settings: {', '.join(_KEYS)}"
        )
    for key in ("kernel", "btf", "kernel-release", "systemd"):
        if key in table and not isinstance(table[key], str):
            raise UsageError(f"{where}: {key} must be a string")
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(code, str) for code in ignore):
        raise UsageError(f'{where}: ignore must be a list of codes, such as ["D501"]')
    strict = table.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise UsageError(f"{where}: strict must be true or false")
    chosen = [key for key in ("kernel", "btf", "kernel-release") if key in table]
    if len(chosen) > 1:
        raise UsageError(f"{where}: choose one of kernel, btf and kernel-release")
    btf = table.get("btf")
    if btf is not None and not os.path.isabs(btf):
        btf = os.path.join(os.path.dirname(path) or ".", btf)
    return Settings(path, table.get("kernel"), btf, table.get("kernel-release"),
                    tuple(ignore), strict, table.get("systemd"))  # fmt: skip


def apply_settings(args: argparse.Namespace, settings: Settings) -> None:
    """Fill in what the command line left open; the command line wins."""
    target_given = any(getattr(args, name, None) for name in ("btf", "kernel", "kernel_release"))
    if hasattr(args, "btf") and not target_given:
        args.btf, args.kernel, args.kernel_release = (
            settings.btf,
            settings.kernel,
            settings.kernel_release,
        )
        if settings.kernel is not None:
            args.kernel_origin = f"kernel = {settings.kernel!r} in {printable(settings.path)}"
    if hasattr(args, "ignore") and settings.ignore:
        args.ignore = [*settings.ignore, *args.ignore]
    if hasattr(args, "strict") and settings.strict is not None and not args.strict:
        args.strict = settings.strict
    if getattr(args, "systemd", "given") is None and settings.systemd is not None:
        args.systemd = settings.systemd
        args.systemd_origin = f"systemd = {settings.systemd!r} in {printable(settings.path)}"
