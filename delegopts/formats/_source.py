"""What every file format yields: option strings found in a file, and problems with positions.

A :class:`Found` is one bpffs data string as the kernel will get it, with a map from each
character back to its column in the source line, so a diagnostic about the data string
points at the right place in the file (fstab's ``\\040`` escapes, systemd's names...).

>>> found = Found.plain("delegate_cmds=any", path="<arg>", line=1)
>>> found.locate(Span(14, 17))
(1, 'delegate_cmds=any', Span(start=14, end=17))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from delegopts.errors import Span, caret_lines

__all__ = ["Builder", "Found", "Problem", "Scan", "ignored_codes", "unescape"]

_IGNORE = re.compile(r"#\s*delegopts:\s*ignore=([A-Za-z0-9_,\s-]+)")


def ignored_codes(text: str) -> frozenset[str]:
    """The codes a ``# delegopts: ignore=CODE[,CODE]`` comment in ``text`` names.

    >>> sorted(ignored_codes("# delegopts: ignore=D101, zero-mask"))
    ['D101', 'D202']
    >>> ignored_codes("# just a comment")
    frozenset()
    """
    match = _IGNORE.search(text)
    if match is None:
        return frozenset()
    from delegopts.formats.codes import ignore_codes

    codes: set[str] = set()
    for part in match.group(1).split(","):
        try:
            codes |= ignore_codes([part])
        except ValueError:  # an unknown code in a comment ignores nothing, and breaks nothing
            codes.add(part.strip().upper())
    return frozenset(codes)


@dataclass(frozen=True, slots=True)
class Found:
    """One bpffs data string found in an input.

    ``lines`` are the source lines it comes from (number, text); ``offsets[i]`` says where
    ``options[i]`` is: (index into ``lines``, 0-based column), with one more entry for the
    end of the string. ``what`` says what the string is (``fstab entry for /sys/fs/bpf``...),
    ``target`` is the mount point where one is known, ``ignore`` the codes to leave out.
    """

    options: str
    path: str
    lines: tuple[tuple[int, str], ...]
    offsets: tuple[tuple[int, int], ...]
    what: str = "option string"
    target: str | None = None
    ignore: frozenset[str] = frozenset()

    @classmethod
    def plain(cls, options: str, *, path: str, line: int, **extra: Any) -> Found:
        """An option string that is its whole source line."""
        offsets = tuple((0, column) for column in range(len(options) + 1))
        return cls(options, path, ((line, options),), offsets, **extra)

    @property
    def line(self) -> int:
        return self.lines[0][0] if self.lines else 0

    def locate(self, span: Span) -> tuple[int, str, Span]:
        """Line number, line text and span in that line of ``span`` of :attr:`options`."""
        if not self.offsets:
            return (self.line, "", Span(0, 1))
        last = len(self.offsets) - 1
        index, start = self.offsets[min(max(span.start, 0), last)]
        number, text = self.lines[index]
        end = start + 1
        if span.end > span.start:
            end_index, end_column = self.offsets[min(span.end - 1, last)]
            end = end_column + 1 if end_index == index else len(text)
        return (number, text, Span(start, max(end, start + 1)))


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
        self.offsets: list[tuple[int, int]] = []

    def add(self, text: str, line: int, start: int, end: int) -> None:
        """Append ``text``, which stands for columns ``[start, end)`` of line ``line``."""
        width = max(end - start, 1)
        for position, char in enumerate(text):
            column = start + position * (width - 1) // max(len(text) - 1, 1)
            self.text.append(char)
            self.offsets.append((line, column))

    def add_mapped(self, text: str, line: int, columns: list[int]) -> None:
        """Append ``text`` whose characters are at ``columns`` of line ``line``."""
        self.text.append(text)
        self.offsets.extend((line, column) for column in columns)

    def found(self, *, path: str, end: tuple[int, int] | None = None, **extra: Any) -> Found:
        if end is None:
            line, column = self.offsets[-1] if self.offsets else (0, 0)
            end = (line, column + 1)
        return Found("".join(self.text), path, tuple(self.lines), (*self.offsets, end), **extra)


def unescape(field: str, start: int) -> tuple[str, list[int]]:
    r"""Decode fstab/mountinfo octal escapes (``\040`` is a blank) with each char's column.

    >>> unescape("/mnt/my\\040token", 10)
    ('/mnt/my token', [10, 11, 12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25])
    """
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


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a line of an input: severity, stable code, message, fix, position."""

    severity: str
    code: str
    message: str
    path: str
    line: int
    text: str
    span: Span
    fix: str | None = None

    @property
    def column(self) -> int:
        return self.span.column

    def headline(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}: " if self.path else ""
        fix = f"; {self.fix}" if self.fix else ""
        return f"{where}{self.severity}: {self.code} {self.message}{fix}"

    def render(self) -> str:
        """The headline, the source line and carets under the span.

        >>> print(Problem("error", "F201", "bad", "fstab", 3, "a b", Span(2, 3)).render())
        fstab:3:3: error: F201 bad
          a b
            ^
        """
        return f"{self.headline()}\n{caret_lines(self.text, self.span)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "end_column": self.span.end + 1,
            "fix": self.fix,
            "source": self.text,
        }


@dataclass(frozen=True, slots=True)
class Scan:
    """What reading one input gave: the option strings and the problems of the format."""

    found: tuple[Found, ...] = ()
    problems: tuple[Problem, ...] = ()
    skipped: int = field(default=0)

    @classmethod
    def of(cls, found: Iterable[Found], problems: Iterable[Problem], skipped: int = 0) -> Scan:
        return cls(tuple(found), tuple(problems), skipped)
