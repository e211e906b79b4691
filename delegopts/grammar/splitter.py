"""The option-string grammar: text in, positioned pieces (and delegate items) out.

The grammar lives in ``grammars/options.lark`` (package ``delegopts.grammars``). The
parser is LALR with the transformer passed to the constructor, built on first use and
kept for the process; no cache file is ever written. One parse splits the whole string,
delegate values included.

>>> [(p.key, p.value) for p in split_options("uid=1,,delegate_cmds=any")]
[('uid', '1'), (None, None), ('delegate_cmds', 'any')]
>>> [(i.kind, i.text, i.span.start) for i in split_options("delegate_cmds=prog_load::0x1")[0].items]
[('symbol', 'prog_load', 14), ('empty', '', 24), ('number', '0x1', 25)]
"""

from __future__ import annotations

import functools

from delegopts._namedtuple import NamedTuple
from delegopts.errors import OptionError, Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    from delegopts.grammar.lalr import TextParser, Token

__all__ = ["Item", "Piece", "grammar_text", "split_options"]


# Item and Piece are immutable records made for every token of every parsed string: named
# tuples cost a third of a frozen dataclass to build, and their spans are made only when
# asked for (a diagnostic, an error, explain).


if TYPE_CHECKING:
    #: What an item of a delegate value is.
    ItemKind = Literal["any", "symbol", "number", "other", "empty"]
else:
    ItemKind = str  # what an ItemKind is at run time (typing stays unimported: start-up)


class Item(NamedTuple):
    """One colon-separated piece of a delegate value, at ``[start, end)``.

    ``kind`` is ``any``, ``symbol``, ``number``, ``other`` or ``empty``.
    """

    kind: ItemKind
    text: str
    start: int
    end: int

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class Piece(NamedTuple):
    """One comma-separated piece: ``key`` (None if empty), whether ``=`` follows, ``value``.

    The piece is ``[start, end)``, its key ``[start, key_end)``, its value
    ``[value_start, end)``. ``items`` holds the ``:``-separated items of a ``delegate_*``
    value, else None.
    """

    key: str | None
    has_equals: bool
    value: str | None
    start: int
    key_end: int
    value_start: int
    end: int
    items: tuple[Item, ...] | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def key_span(self) -> Span:
        return Span(self.start, self.key_end)

    @property
    def value_span(self) -> Span:
        return Span(self.value_start, self.end)

    @property
    def text(self) -> str:
        return (self.key or "") + ("=" if self.has_equals else "") + (self.value or "")


def grammar_text(name: str) -> str:
    """The text of ``grammars/<name>.lark``, read as package data."""
    from delegopts.grammar.resources import read_text

    return read_text("delegopts.grammars", f"{name}.lark")


def _end(token: Token) -> int:
    return token.end_pos or 0


class _Builder:
    """Callbacks run by the LALR parser as it reduces (no tree is built)."""

    def delegate(self, children: list[Token]) -> Piece:
        return _delegate(children)

    def plain(self, children: list[Token]) -> Piece:
        return _plain(children)

    def start(self, children: list[Piece]) -> list[Piece]:
        return children


def _key(token: Token) -> tuple[str, int]:
    """A key token's text and start, without the "," that a C_ token starts with."""
    start = token.start_pos or 0
    if token.type.startswith("C_"):
        return str(token)[1:], start + 1
    return str(token), start


def _plain(tokens: list[Token]) -> Piece:
    if not tokens or tokens[0].type == "COMMA":  # an empty piece
        start = _end(tokens[0]) if tokens else 0
        return Piece(None, False, None, start, start, start, start)
    text, start = _key(tokens[0])
    end = _end(tokens[-1])
    if not text.endswith("="):  # KEY: a flag
        return Piece(text, False, None, start, end, end, end)
    key_end = start + len(text) - 1
    value = str(tokens[1]) if len(tokens) > 1 else ""
    return Piece(text[:-1] or None, True, value, start, key_end, key_end + 1, end)


def _delegate(children: list[Token]) -> Piece:
    text, start = _key(children[0])  # DELEGATE_KEY includes the "="
    value_start = start + len(text)
    last = children[-1] if len(children) > 1 and children[-1].type in _KINDS else None
    items = [_item(token) for token in children[1 : -1 if last is not None else None]]
    after = items[-1].end + 1 if items else value_start  # after the last ":"
    items.append(_last_item(last, after))
    end = items[-1].end
    value = ":".join([item.text for item in items])
    return Piece(text[:-1], True, value, start, value_start - 1, value_start, end, tuple(items))


_KINDS: dict[str, ItemKind] = {
    "ANY": "any",
    "SYMBOL": "symbol",
    "NUMBER": "number",
    "OTHER": "other",
}


def _item(token: Token) -> Item:
    """An item token that carries the ":" after it (a lone ":" is an empty item)."""
    start = token.start_pos or 0
    text = str(token)[:-1]
    kind = _KINDS[token.type[: -len("_COLON")]] if text else "empty"
    return Item(kind, text, start, start + len(text))


def _last_item(token: Token | None, start: int) -> Item:
    if token is None:
        return Item("empty", "", start, start)
    return Item(_KINDS[token.type], str(token), token.start_pos or 0, _end(token))


@functools.cache
def _parser() -> TextParser:
    from delegopts.grammar.lalr import build

    return build("options", _Builder())


def split_options(text: str) -> list[Piece]:
    """Split a mount data string into pieces with their positions."""
    from delegopts.grammar.lalr import ParseError

    try:
        pieces: list[Piece] = _parser().parse(text)  # the transformer's start() result
    except ParseError as error:  # the grammar accepts every string; this guards bugs
        column = error.pos
        raise OptionError(
            "cannot split this text into pieces", source=text, span=Span(column, column + 1)
        ) from error
    return pieces
