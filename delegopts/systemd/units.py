"""Unit files and their drop-ins, read line by line as systemd's ``config_parse()`` reads them.

- Lines end at ``\\n``, ``\\r``, a NUL, or a run of them in which none repeats
  (``\\r\\n`` and ``\\n\\r`` are one line end). A line whose first non-blank character
  is ``#`` or ``;`` is a comment, even inside a continuation.
- A line ending in an odd number of backslashes continues on the next one: the backslash
  becomes a blank and the next line is appended as it is (its leading blanks kept).
- Keys and values are stripped of blanks; keys are case-sensitive.
- A section header without its ``]``, or with quotes, backslashes or control characters,
  and any line that is not UTF-8, make systemd stop reading the file there (the unit then
  fails to load). An unknown section is ignored up to the next header (silently when it
  starts with ``X-``).
- The main file is read first, then each drop-in in order, into the same unit: a drop-in's
  assignment replaces the main file's like a later line does.

>>> files = [UnitFile("a.service", "[Service]\\nBPFDelegateCommands=BPFProgLoad\\n"),
...          UnitFile("a.service.d/10.conf", "[Service]\\nBPFDelegateCommands=\\n")]
>>> [(s.path, s.line, s.value) for s in read_unit(files).settings]
[('a.service', 2, 'BPFProgLoad'), ('a.service.d/10.conf', 2, '')]
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from delegopts.catalog import OptionKind
from delegopts.inputs import open_regular
from delegopts.systemd.model import Assignment

__all__ = [
    "EXEC_SECTIONS",
    "SETTINGS",
    "Logged",
    "Setting",
    "Unit",
    "UnitFile",
    "dropin_dirs",
    "dropins",
    "file_text",
    "is_unit_name",
    "read_unit",
    "resolve_in",
    "split_systemctl_cat",
    "unit_files",
    "units_in",
]

#: The setting for each delegate option.
SETTINGS = {
    OptionKind.CMDS: "BPFDelegateCommands",
    OptionKind.MAPS: "BPFDelegateMaps",
    OptionKind.PROGS: "BPFDelegatePrograms",
    OptionKind.ATTACHS: "BPFDelegateAttachments",
}
_KIND_OF = {setting: kind for kind, setting in SETTINGS.items()}
#: The unit types with an execution environment, and the section that holds its settings.
EXEC_SECTIONS = {".service": "Service", ".socket": "Socket", ".mount": "Mount", ".swap": "Swap"}
_HOST = Path("/")
_WHITESPACE = " \t\n\r"
# read_line(): a line ends at a run of \n, \r and NUL in which none repeats, a NUL ending
# the run ("\r\n", "\n\r", "\n\0" are one end; "\n\n" and "\0\n" two).
_EOL = re.compile(r"(?:\r\n?|\n\r?)\x00?|\x00")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\\"']")
# systemd 261 made string_is_safe() refuse empty names and glob characters too.
_UNSAFE_261 = re.compile(r"^$|[\x00-\x1f\x7f\\\"'*?\[]")
_BOM = "\ufeff"
#: systemd's LONG_LINE_MAX: a line this long, or a longer one joined from continuations,
#: ends reading the file.
LONG_LINE_MAX = 1024 * 1024


def _size(line: str) -> int:
    """The line's length in bytes, as systemd counts it."""
    if line.isascii():
        return len(line)
    # A byte that is not UTF-8 arrives as one surrogate (surrogateescape): one byte.
    return sum(1 if "\udc80" <= char <= "\udcff" else len(char.encode("utf-8", "surrogatepass"))
               for char in line)  # fmt: skip


@dataclass(frozen=True, slots=True)
class UnitFile:
    """One file of a unit: its path (as shown in findings) and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``Key=value`` line, with the section it is in (``""``: before any section)."""

    section: str
    key: str
    value: str
    path: str
    line: int
    text: str  # the logical line: continuations joined, their backslashes made blanks
    column: int  # where the value starts in ``text``
    key_column: int
    #: False where systemd skips the line: outside a section, or in one it does not read.
    read: bool = True
    #: The comment lines right above it (where ``# delegopts: ignore=`` is written).
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Logged:
    """A line systemd complains about; ``stops``: it reads no further in that file."""

    path: str
    line: int
    text: str
    message: str
    stops: bool = False


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit as systemd assembles it from its files."""

    name: str
    files: tuple[UnitFile, ...]
    settings: tuple[Setting, ...]
    logged: tuple[Logged, ...] = field(default=())
    #: Whether the unit's own file was read (else only drop-ins: settings may be missing).
    complete: bool = True

    @property
    def section(self) -> str:
        return EXEC_SECTIONS.get(Path(self.name).suffix, "Service")

    def assignments(self) -> list[Assignment]:
        """The ``BPFDelegate*=`` assignments systemd applies, in its order."""
        return [
            Assignment(_KIND_OF[s.key], s.value, s.path, s.line, s.text, s.column)
            for s in self.settings
            if s.read and s.section == self.section and s.key in _KIND_OF
        ]

    def last(self, key: str, valid: Callable[[str], bool] | None = None) -> Setting | None:
        """The assignment of ``key`` in the unit's own section that systemd keeps: the last
        one (whose value is ``valid``, where systemd ignores values it cannot parse)."""
        found = [s for s in self.settings if s.read and s.section == self.section and s.key == key]
        found = [s for s in found if valid is None or valid(s.value)]
        return found[-1] if found else None


def _lines(text: str) -> Iterator[str]:
    parts = _EOL.split(text)
    if parts and parts[-1] == "":
        parts.pop()  # the text's final line end
    yield from parts


def _is_utf8(text: str) -> bool:
    # Files are decoded with surrogateescape: a lone surrogate is a byte that is not UTF-8.
    return not any("\ud800" <= char <= "\udfff" for char in text)


class _Reader:
    """``config_parse()`` over one file: its state between lines, and what it collects."""

    def __init__(
        self, path: str, sections: tuple[str, ...], section: str | None, unsafe: re.Pattern[str]
    ) -> None:
        self.path = path
        self.unsafe = unsafe
        self.sections = sections
        self.section: str | None = section
        self.ignored = False  # in an unknown section: assignments are dropped silently
        self.header = ""  # the section's name, read or not
        self.comments: list[str] = []
        self.settings: list[Setting] = []
        self.logged: list[Logged] = []

    def read(self, text: str) -> None:
        # A continuation is kept as its parts: joining them once keeps long chains linear.
        parts: list[str] = []
        size = 0
        bom_seen = False
        number = start = 0
        for raw in _lines(text):
            number += 1
            first = raw.lstrip(_WHITESPACE)
            if first and first[0] in "#;":
                self.comments.append(raw)
                continue
            line = raw
            if not bom_seen and raw.startswith(_BOM):
                line, bom_seen = raw[1:], True
            if not parts:
                start = number  # a continued line is placed on its first line, where its key is
            # read_line() refuses a line of LONG_LINE_MAX bytes, the continuation check a
            # joined line longer than that: -ENOBUFS ends config_parse()
            length = _size(raw)
            size += length - (len(raw) - len(line)) * 3  # a BOM is 3 bytes
            if length >= LONG_LINE_MAX or size > LONG_LINE_MAX:
                self._log(start, line[:80], "the line is longer than 1 MiB", stops=True)
                return
            # The parts before end in a blank, so the line's own backslashes decide.
            if (len(line) - len(line.rstrip("\\"))) % 2:
                parts.append(line[:-1] + " ")
                continue
            logical = "".join(parts) + line
            parts, size = [], 0
            if not self.line(logical, start):
                return
            if logical.strip(_WHITESPACE):
                self.comments = []
        if parts:
            self.line("".join(parts), start)

    def _log(self, number: int, text: str, message: str, *, stops: bool = False) -> bool:
        self.logged.append(Logged(self.path, number, text, message, stops))
        return not stops

    def line(self, logical: str, number: int) -> bool:
        """One logical line; False where systemd stops reading the file."""
        stripped = logical.strip(_WHITESPACE)
        if not stripped:
            return True
        if not _is_utf8(stripped):
            return self._log(number, logical, "the line is not UTF-8", stops=True)
        if stripped.startswith("["):
            name = stripped[1:-1]
            if not stripped.endswith("]") or self.unsafe.search(name):
                message = f"invalid section header {stripped!r}"
                return self._log(number, logical, message, stops=True)
            known = name in self.sections
            self.section, self.ignored = (name if known else None), not known
            self.header = name
            if not known and not name.startswith("X-"):
                return self._log(number, logical, f"unknown section [{name}] ignored")
            return True
        read = self.section is not None
        if not read and not self.ignored:
            self._log(number, logical, "assignment outside of a section")
        lead = len(logical) - len(logical.lstrip(_WHITESPACE))
        equals = stripped.find("=")
        if equals <= 0:
            if read:
                why = "missing '='" if equals < 0 else "missing key name before '='"
                self._log(number, logical, f"{why}: line ignored")
            return True
        key = stripped[:equals].strip(_WHITESPACE)
        rest = stripped[equals + 1 :]
        value = rest.strip(_WHITESPACE)
        column = lead + equals + 1 + (len(rest) - len(rest.lstrip(_WHITESPACE)))
        section = self.section if self.section is not None else self.header
        self.settings.append(
            Setting(
                section,
                key,
                value,
                self.path,
                number,
                logical,
                column,
                lead,
                read,
                tuple(self.comments),
            )
        )
        return True


def read_file(
    unit_file: UnitFile, sections: tuple[str, ...], start: str | None = None, *, major: int = 262
) -> tuple[list[Setting], list[Logged]]:
    """The settings of one file, and what systemd ``major`` logs about its lines (``start``:
    the section lines before any header are in, for settings given without one)."""
    reader = _Reader(unit_file.path, sections, start, _UNSAFE_261 if major >= 261 else _UNSAFE)
    reader.read(unit_file.text)
    return reader.settings, reader.logged


def read_unit(
    files: list[UnitFile],
    name: str | None = None,
    *,
    complete: bool = True,
    headerless: bool = False,
    major: int = 262,
) -> Unit:
    """A unit from its main file and drop-ins, in the order given (``complete``: the first
    file is the unit's own; ``headerless``: lines before any section header are settings of
    the unit's own section, for settings written alone; ``major``: the systemd release, whose
    rules for section headers changed in 261)."""
    if name is None:
        first = Path(files[0].path) if files else Path("unit.service")
        name = first.parent.name.removesuffix(".d") if not complete else first.name
    own = EXEC_SECTIONS.get(Path(name).suffix, "Service")
    sections = ("Unit", own, "Install")
    settings: list[Setting] = []
    logged: list[Logged] = []
    for unit_file in files:
        found, said = read_file(unit_file, sections, own if headerless else None, major=major)
        settings += found
        logged += said
    return Unit(name, tuple(files), tuple(settings), tuple(logged), complete)


_HOPS = 32  # links followed before giving up (systemd's chase() allows as many)


def resolve_in(root: Path, path: Path) -> Path | None:
    """``path`` with its links followed inside ``root`` (an absolute target is taken under
    it); None for a link to ``/dev/null`` (a mask); a loop stays a link."""
    for _ in range(_HOPS):
        if not path.is_symlink():
            return path
        target = os.readlink(path)
        if target == "/dev/null":
            return None
        path = root / target.lstrip("/") if target.startswith("/") else path.parent / target
    return path


def file_text(path: Path, root: Path = _HOST) -> str:
    """The text of a unit file or drop-in; InputError for a FIFO, a device, a link loop...
    (opened without blocking: a FIFO never hangs the reader). A link to ``/dev/null``
    reads empty."""
    resolved = resolve_in(root, path)
    if resolved is None:
        return ""
    with open_regular(str(resolved)) as file:
        return file.read().decode("utf-8", "surrogateescape")


def is_unit_name(name: str) -> bool:
    """Whether ``name`` is a unit with an execution environment (``app.service``), not a
    template (``app@.service``), a dash prefix (``app-.service``) or a type (``service``).

    >>> [is_unit_name(n) for n in ("app.service", "app@.service", "app-.socket", "x.timer")]
    [True, False, False, False]
    """
    stem, dot, suffix = name.rpartition(".")
    return bool(dot and stem) and f".{suffix}" in EXEC_SECTIONS and not stem.endswith(("-", "@"))


def dropin_dirs(root: Path, name: str) -> list[Path]:
    """systemd's drop-in folders of unit ``name`` under one search path, most specific first.

    ``name.d``, the template's (``foo@.service.d`` for ``foo@bar.service``), then each prefix
    of the name cut at a dash (``a-b-.service.d``, ``a-.service.d``), then the type's
    (``service.d``): a drop-in's file name in an earlier folder hides the same name later.

    >>> [d.name for d in dropin_dirs(Path("/etc/systemd/system"), "a-b@x.service")]
    ['a-b@x.service.d', 'a-b@.service.d', 'a-.service.d', 'service.d']
    """
    stem, _, suffix = name.rpartition(".")
    folders = [root / f"{name}.d"]
    if "@" in stem and not stem.endswith("@"):
        folders.append(root / f"{stem.split('@')[0]}@.{suffix}.d")
    parts = stem.split("@")[0].split("-")
    for cut in range(len(parts) - 1, 0, -1):
        folders.append(root / ("-".join(parts[:cut]) + f"-.{suffix}.d"))
    folders.append(root / f"{suffix}.d")
    return folders


def dropins(folders: list[Path], root: Path = _HOST) -> list[Path]:
    """The drop-ins of ``folders`` (links followed inside ``root``) as systemd lists them:
    every ``*.conf`` entry but hidden ones and links that loop, by file name, the first
    folder's winning where two have the same name. A link to ``/dev/null`` is listed (it
    reads empty, and so hides the others of its name); a FIFO, a folder or a link to
    nothing is listed too, and refused when read."""
    chosen: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            name = path.name
            if name.endswith(".conf") and not name.startswith(".") and name not in chosen:
                resolved = resolve_in(root, path)
                if resolved is None or not resolved.is_symlink():
                    chosen[name] = path
    return [chosen[name] for name in sorted(chosen)]


def unit_files(path: Path) -> tuple[list[UnitFile], bool]:
    """``path`` and its drop-ins beside it, and whether the unit's own file is among them.

    A drop-in folder alone (``foo.service.d``) gives its drop-ins only: the unit's own
    file is elsewhere (``/usr/lib/systemd/system``), and its settings are not seen.
    """
    if path.name.endswith(".d") and path.is_dir():
        return [UnitFile(str(p), file_text(p)) for p in dropins([path])], False
    found = [path, *dropins(dropin_dirs(path.parent, path.name))]
    return [UnitFile(str(p), file_text(p)) for p in found], True


def units_in(root: Path) -> list[tuple[str, list[UnitFile], bool]]:
    """Every unit with an execution environment under a search path (``/etc/systemd/system``):
    name, files in systemd's order, and whether its own file is there (else drop-ins only)."""
    names: set[str] = set()
    for entry in root.iterdir():
        if is_unit_name(name := entry.name.removesuffix(".d")):
            names.add(name)
    units: list[tuple[str, list[UnitFile], bool]] = []
    for name in sorted(names):
        main = root / name
        if main.is_file():
            units.append((name, *unit_files(main)))
        else:
            found = dropins(dropin_dirs(root, name))
            units.append((name, [UnitFile(str(p), file_text(p)) for p in found], False))
    return units


_CAT_HEADER = re.compile(r"# (/\S+)")


def split_systemctl_cat(text: str) -> list[UnitFile]:
    """The files of ``systemctl cat UNIT`` output, each under its ``# /path`` header line.

    >>> text = "# /a/x.service\\n[Service]\\n\\n# /b/x.service.d/o.conf\\n"
    >>> [f.path for f in split_systemctl_cat(text)]
    ['/a/x.service', '/b/x.service.d/o.conf']
    """
    files: list[tuple[str, list[str]]] = []
    previous = ""
    for line in text.split("\n"):
        header = _CAT_HEADER.fullmatch(line)
        starts = header is not None and (not files or previous == "")
        if header is not None and starts and re.search(r"\.(conf|[a-z]+)$", header[1]):
            files.append((header[1], []))
        elif files:
            files[-1][1].append(line)
        previous = line
    result = []
    for path, lines in files:
        while lines and lines[-1] == "":  # systemctl separates files with a blank line
            lines.pop()
        result.append(UnitFile(path, "\n".join(lines) + "\n"))
    return result
