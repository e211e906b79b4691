"""One exception hierarchy for everything delegopts refuses.

Every error names the input, the position and, where one exists, the fix. Errors about
option strings also carry the errno the kernel would return, so a caller can tell a
refused mount (``EINVAL``) from an out-of-range number (``ERANGE``).

>>> err = OptionError("not a command name", source="delegate_cmds=prog_lod",
...                   span=Span(14, 22), suggestion="prog_load")
>>> print(err.render())
error: EINVAL: not a command name (column 15); did you mean 'prog_load'?
  delegate_cmds=prog_lod
                ^^^^^^^^
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Callable

from delegopts._namedtuple import NamedTuple

__all__ = [
    "BTFError",
    "DelegoptsError",
    "InputError",
    "OptionError",
    "Span",
    "caret_lines",
]


class Span(NamedTuple):
    """A half-open range ``[start, end)`` of character offsets into one line of input."""

    start: int
    end: int

    @property
    def column(self) -> int:
        """The 1-based column of the first character, as editors count."""
        return self.start + 1

    def shift(self, offset: int) -> Span:
        """The same span inside a text that starts ``offset`` characters earlier."""
        return Span(self.start + offset, self.end + offset)


#: How many characters of a source line are shown under a finding, at most.
SHOWN_WIDTH = 160


def caret_lines(source: str, span: Span, indent: str = "  ") -> str:
    """The source line and a row of carets under ``span``.

    Characters that are not printable are shown escaped (\\ooo, as mountinfo writes them),
    so the carets stay under their characters and nothing reaches the terminal as control.
    A line longer than :data:`SHOWN_WIDTH` is shown in part, around the span, with ``...``
    where it is cut.

    >>> print(caret_lines("a=b,c", Span(4, 5)))
      a=b,c
          ^
    >>> line, carets = caret_lines("x" * 500 + "=bad", Span(501, 504)).splitlines()
    >>> line[:7], line[-8:], len(line), carets.index("^"), carets.count("^")
    ('  ...xx', 'xxxx=bad', 165, 162, 3)
    """
    from delegopts.display import shown_char, window

    first, last = window(len(source), span.start, max(span.end, span.start + 1), SHOWN_WIDTH)
    before = "..." if first > 0 else ""
    after = "..." if last < len(source) else ""
    start = end = len(before)
    segment = source[first:last]
    if segment.isprintable():
        # every character shown as itself (the common case, and a finding is rendered
        # for each warning of each mount of a host): columns follow from positions
        text = before + segment
        if first <= span.start < last:
            start += span.start - first
        if first <= span.end < last:
            end += span.end - first
    else:
        shown: list[str] = [before]
        for index in range(first, last):
            if index == span.start:
                start = sum(len(piece) for piece in shown)
            if index == span.end:
                end = sum(len(piece) for piece in shown)
            shown.append(shown_char(source[index]))
        text = "".join(shown)
    if span.start >= last:
        start = len(text)
    if span.end >= last:
        end = len(text)
    width = max(1, end - start)
    return f"{indent}{text}{after}\n{indent}{' ' * start}{'^' * width}"


class DelegoptsError(Exception):
    """The root of every exception delegopts raises on purpose."""


class OptionError(DelegoptsError, ValueError):
    """The kernel would refuse this option string; nothing would be mounted.

    ``errno_name`` is what mount(2) would return (``EINVAL`` or ``ERANGE``), ``span``
    where in ``source`` the offending piece is, ``suggestion`` a replacement if one is known.
    ``message`` and ``suggestion`` may be given as functions, called once when first asked
    for: explaining a refused name (which option it belongs to, which kernel has it, what
    is close to it) costs more than the rest of the parse, and callers that only need the
    errno, such as a validator running over thousands of strings, never pay for it.
    """

    def __init__(
        self,
        message: str | Callable[[], str],
        *,
        source: str,
        span: Span,
        errno_name: str = "EINVAL",
        suggestion: str | Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._message = message
        self.source = source
        self.span = span
        self.errno_name = errno_name
        self._suggestion = suggestion

    @property
    def message(self) -> str:
        """Why the kernel refuses the piece."""
        if callable(self._message):
            self._message = self._message()
        return self._message

    @property
    def suggestion(self) -> str | None:
        """What was probably meant, if anything close is known."""
        if callable(self._suggestion):
            self._suggestion = self._suggestion()
        return self._suggestion

    @property
    def args(self) -> tuple[str]:  # type: ignore[override]
        return (self.message,)

    def __repr__(self) -> str:
        return f"OptionError({self.message!r}, column={self.column}, errno={self.errno_name})"

    @property
    def column(self) -> int:
        """1-based column of the offending piece."""
        return self.span.column

    def headline(self) -> str:
        """One line: errno, reason, column and the fix (what is not printable, escaped)."""
        from delegopts.display import printable

        hint = f"; did you mean '{printable(self.suggestion)}'?" if self.suggestion else ""
        return f"{self.errno_name}: {printable(self.message)} (column {self.column}){hint}"

    def render(self, location: str = "") -> str:
        """The headline, the input line and carets under the offending piece."""
        where = f"{location}: " if location else ""
        return f"{where}error: {self.headline()}\n{caret_lines(self.source, self.span)}"

    def __str__(self) -> str:
        source = self.source
        if len(source) > SHOWN_WIDTH:
            source = source[:SHOWN_WIDTH] + "..."
        return f"{self.headline()} in {source!r}"


class BTFError(DelegoptsError, ValueError):
    """BTF (or the file said to hold it) is missing, unreadable, truncated or corrupt.

    ``source`` names the file or blob, ``offset`` the byte where reading failed, if known.
    """

    def __init__(self, message: str, *, source: str = "<bytes>", offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.offset = offset

    def __str__(self) -> str:
        at = f" at byte {self.offset}" if self.offset is not None else ""
        return f"{self.source}: {self.message}{at}"


class InputError(DelegoptsError, OSError):
    """An input file (or standard input) cannot be read: ``path`` and why.

    An ``OSError`` too, with the errno of the failure where there was one.

    >>> str(InputError("/etc/nothing", "cannot read: No such file or directory"))
    '/etc/nothing: cannot read: No such file or directory'
    """

    def __init__(self, path: str, message: str, *, errno: int | None = None) -> None:
        super().__init__(errno, message) if errno is not None else super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"
