"""What every file format yields: option strings found in a file, and findings with positions.

A :class:`Found` is one bpffs data string as the kernel will get it, with a map from each
character back to its column in the source line, so a diagnostic about the data string
points at the right place in the file (fstab's ``\\040`` escapes, systemd's names...).

>>> found = Found.plain("delegate_cmds=any", path="<arg>", line=1)
>>> found.locate(Span(14, 17))
(1, 'delegate_cmds=any', Span(start=14, end=17))
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Generator, Iterable, Iterator

from delegopts._namedtuple import NamedTuple
from delegopts.diagnostics import Code, Diagnostic, Location
from delegopts.errors import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO


__all__ = [
    "Batches",
    "Builder",
    "Found",
    "Scan",
    "collect",
    "finding",
    "numbered_lines",
    "text_lines",
    "unescape",
]


class Found(NamedTuple):
    """One bpffs data string found in an input.

    ``lines`` are the source lines it comes from (number, text); ``offsets[i]`` says where
    ``options[i]`` is, packed as ``index into lines << 32 | 0-based column``, with one more
    entry for the end of the string (8 bytes a character: long lines are input too); None
    when the string is the first line itself. ``what`` says what the string is (``fstab
    entry for /sys/fs/bpf``...), ``target`` is the mount point where one is known,
    ``ignore`` the codes to leave out, ``manager`` the container manager that hands the
    string to the kernel (``Incus``, ``LXD``), if any.
    """

    options: str
    path: str
    lines: tuple[tuple[int, str], ...]
    offsets: array[int] | None
    what: str = "option string"
    target: str | None = None
    ignore: frozenset[Code] = frozenset()
    manager: str | None = None
    #: The file of each of ``lines`` where they come from several (a unit and its drop-ins).
    paths: tuple[str, ...] = ()

    @classmethod
    def plain(cls, options: str, *, path: str, line: int, **extra: Any) -> Found:
        """An option string that is its whole source line."""
        return cls(options, path, ((line, options),), None, **extra)

    @property
    def line(self) -> int:
        return self.lines[0][0] if self.lines else 0

    def place(self, diagnostic: Diagnostic) -> Diagnostic:
        """``diagnostic`` about :attr:`options`, placed on the source line it comes from."""
        number, text, span = self.locate(diagnostic.span)
        path = self.path
        if self.paths and self.offsets is not None:
            index = self._at(min(max(diagnostic.span.start, 0), len(self.offsets) - 1))[0]
            path = self.paths[index]
        return diagnostic.located(Location(path, number, text), span)

    def locate(self, span: Span) -> tuple[int, str, Span]:
        """Line number, line text and span in that line of ``span`` of :attr:`options`."""
        if not self.lines:
            return (0, "", Span(0, 1))
        last = len(self.options) if self.offsets is None else len(self.offsets) - 1
        index, start = self._at(min(max(span.start, 0), last))
        number, text = self.lines[index]
        end = start + 1
        if span.end > span.start:
            end_index, end_column = self._at(min(span.end - 1, last))
            end = end_column + 1 if end_index == index else len(text)
        return (number, text, Span(start, max(end, start + 1)))

    def _at(self, position: int) -> tuple[int, int]:
        """(index into :attr:`lines`, column) of character ``position`` of the options."""
        if self.offsets is None:
            return 0, position
        packed = self.offsets[position]
        return packed >> _SHIFT, packed & _COLUMN


_SHIFT = 32
_COLUMN = (1 << _SHIFT) - 1


class Builder:
    """Builds a :class:`Found` data string piece by piece, remembering where each came from.

    >>> b = Builder([(7, "BPFDelegateMaps=BPFMapTypeArray")])
    >>> b.add("delegate_maps=", 0, 0, 15); b.add("array", 0, 16, 31)
    >>> found = b.found(path="x.service")
    >>> found.options, found.locate(Span(14, 19))
    ('delegate_maps=array', (7, 'BPFDelegateMaps=BPFMapTypeArray', Span(start=16, end=31)))
    """

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.lines = list(lines)
        self.text: list[str] = []
        self.offsets = array("Q")

    def add(self, text: str, line: int, start: int, end: int) -> None:
        """Append ``text``, which stands for columns ``[start, end)`` of line ``line``."""
        width = max(end - start, 1)
        self.text.append(text)
        base = line << _SHIFT
        steps = max(len(text) - 1, 1)
        self.offsets.extend(
            base | start + position * (width - 1) // steps for position in range(len(text))
        )

    def add_mapped(self, text: str, line: int, columns: list[int]) -> None:
        """Append ``text`` whose characters are at ``columns`` of line ``line``."""
        self.text.append(text)
        base = line << _SHIFT
        self.offsets.extend(base | column for column in columns)

    def found(self, *, path: str, end: tuple[int, int] | None = None, **extra: Any) -> Found:
        if end is None:
            last = self.offsets[-1] if self.offsets else 0
            end = (last >> _SHIFT, (last & _COLUMN) + 1)
        self.offsets.append(end[0] << _SHIFT | end[1])
        return Found("".join(self.text), path, tuple(self.lines), self.offsets, **extra)


def finding(  # noqa: PLR0917 - the order a compiler message reads: file, line, text, span
    code: Code, message: str, path: str, line: int, text: str, span: Span, fix: str | None = None
) -> Diagnostic:
    """A finding about ``span`` of line ``line`` (``text``) of the file ``path``."""
    return Diagnostic.at(code, message, Location(path, line, text), span, fix)


def unescape(field: str, start: int) -> tuple[str, list[int]]:
    r"""Decode fstab/mountinfo octal escapes (``\040`` is a blank) with each char's column.

    >>> unescape("/mnt/my\\040token", 10)
    ('/mnt/my token', [10, 11, 12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25])
    """
    if "\\" not in field:  # nothing escaped (most fields): each character at its column
        return field, list(range(start, start + len(field)))
    text: list[str] = []
    columns: list[int] = []
    index = 0
    while index < len(field):
        chunk = field[index + 1 : index + 4]
        if field[index] == "\\" and len(chunk) == 3 and all(c in "01234567" for c in chunk):
            text.append(chr(int(chunk, 8)))
            columns.append(start + index)
            index += 4
            continue
        text.append(field[index])
        columns.append(start + index)
        index += 1
    return "".join(text), columns


class Scan(NamedTuple):
    """What reading one input gave: the option strings and the findings about the format."""

    found: tuple[Found, ...] = ()
    findings: tuple[Diagnostic, ...] = ()
    skipped: int = 0

    @classmethod
    def of(cls, found: Iterable[Found], findings: Iterable[Diagnostic], skipped: int = 0) -> Scan:
        return cls(tuple(found), tuple(findings), skipped)


#: What a format reads, a batch at a time (the findings and option strings of one line, or
#: of a whole file where the format needs it); returns how many entries it left alone.
Batches = Generator[list["Found | Diagnostic"], None, int]


def numbered_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """``(number, line)`` of a text stream, read a line at a time, terminator removed.

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (open the stream with ``newline=""``).
    """
    for number, raw in enumerate(stream, start=1):
        cut = 2 if raw.endswith("\r\n") else 1 if raw.endswith(("\n", "\r")) else 0
        yield number, raw[: len(raw) - cut]


def text_lines(text: str) -> Iterator[tuple[int, str]]:
    """:func:`numbered_lines` of a string."""
    return numbered_lines(io.StringIO(text, newline=""))


def collect(batches: Batches) -> Scan:
    """A whole :class:`Scan` from the batches of a format."""
    found: list[Found] = []
    findings: list[Diagnostic] = []
    while True:
        try:
            batch = next(batches)
        except StopIteration as done:
            return Scan.of(found, findings, done.value or 0)
        for event in batch:
            if isinstance(event, Found):
                found.append(event)
            else:
                findings.append(event)
