"""caret_lines: the fast path for printable lines places the carets as the general one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from delegopts.display import shown_char, window
from delegopts.errors import SHOWN_WIDTH, Span, caret_lines


def _by_character(source: str, span: Span) -> str:
    """Every character through shown_char, columns counted as it goes (the general path)."""
    first, last = window(len(source), span.start, max(span.end, span.start + 1), SHOWN_WIDTH)
    before, after = ("..." if first > 0 else ""), ("..." if last < len(source) else "")
    shown, start, end = [before], len(before), len(before)
    for index in range(first, last):
        if index == span.start:
            start = sum(map(len, shown))
        if index == span.end:
            end = sum(map(len, shown))
        shown.append(shown_char(source[index]))
    text = "".join(shown)
    start = len(text) if span.start >= last else start
    end = len(text) if span.end >= last else end
    return f"  {text}{after}\n  {' ' * start}{'^' * max(1, end - start)}"


@given(
    st.text(alphabet="ab=,:x \t\x1b\u200e", max_size=400),
    st.integers(0, 420),
    st.integers(0, 420),
)
def test_the_same_columns_as_character_by_character(source: str, start: int, end: int) -> None:
    span = Span(start, end)
    assert caret_lines(source, span) == _by_character(source, span)
