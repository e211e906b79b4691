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
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from delegopts.errors import OptionError, Span

if TYPE_CHECKING:
    from lark import Lark, Token

__all__ = ["Item", "Piece", "grammar_text", "split_options"]


@dataclass(frozen=True, slots=True)
class Item:
    """One colon-separated piece of a delegate value.

    ``kind`` is ``any``, ``symbol``, ``number``, ``other`` or ``empty``.
    """

    kind: str
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Piece:
    """One comma-separated piece: ``key`` (None if empty), whether ``=`` follows, ``value``.

    ``items`` holds the ``:``-separated items of a ``delegate_*`` value, else None.
    """

    key: str | None
    has_equals: bool
    value: str | None
    span: Span
    key_span: Span
    value_span: Span
    items: tuple[Item, ...] | None = None

    @property
    def text(self) -> str:
        return (self.key or "") + ("=" if self.has_equals else "") + (self.value or "")


def grammar_text(name: str) -> str:
    """The text of ``grammars/<name>.lark``, read as package data."""
    return resources.files("delegopts.grammars").joinpath(f"{name}.lark").read_text("utf-8")


def _end(token: Token) -> int:
    return token.end_pos or 0


class _Builder:
    """Callbacks run by the LALR parser as it reduces (no tree is built)."""

    def item(self, children: list[Token]) -> Token | None:
        return children[0] if children else None

    def item_colon(self, children: list[Token]) -> Token:
        return children[0]

    def delegate(self, children: list[Any]) -> tuple[str, list[Any]]:
        return ("delegate", children)

    def plain(self, children: list[Token]) -> tuple[str, list[Any]]:
        return ("plain", children)

    def start(self, children: list[Any]) -> list[Piece]:
        pieces: list[Piece] = []
        start = 0
        for child in children:
            if getattr(child, "type", None) == "COMMA":
                start = _end(child)
                continue
            form, tokens = child
            pieces.append(
                self._delegate(tokens) if form == "delegate" else self._plain(tokens, start)
            )
        return pieces

    def _plain(self, tokens: list[Token], start: int) -> Piece:
        if not tokens:
            return Piece(None, False, None, Span(start, start), Span(start, start),
                         Span(start, start))  # fmt: skip
        head = tokens[0]
        value = str(tokens[1]) if len(tokens) > 1 else None
        end = _end(tokens[-1])
        if head.type == "KEY":
            return Piece(str(head), False, None, Span(start, end), Span(start, end),
                         Span(end, end))  # fmt: skip
        key_end = _end(head) - 1  # KEY_EQUALS includes the "="
        return Piece(
            key=str(head)[:-1] or None,
            has_equals=True,
            value=value or "",
            span=Span(start, end),
            key_span=Span(start, key_end),
            value_span=Span(key_end + 1, end),
        )

    def _delegate(self, children: list[Any]) -> Piece:
        key = children[0]  # DELEGATE_KEY includes the "="
        items = [_item(token) for token in children[1:-1]]  # each with its ":"
        start = items[-1].span.end + 1 if items else _end(key)
        items.append(_last_item(children[-1], start))
        end = items[-1].span.end
        return Piece(
            key=str(key)[:-1],
            has_equals=True,
            value=":".join(item.text for item in items),
            span=Span(key.start_pos or 0, end),
            key_span=Span(key.start_pos or 0, _end(key) - 1),
            value_span=Span(_end(key), end),
            items=tuple(items),
        )


_KINDS = {"ANY": "any", "SYMBOL": "symbol", "NUMBER": "number", "OTHER": "other"}


def _item(token: Token) -> Item:
    """An item token that carries the ":" after it (a lone ":" is an empty item)."""
    start = token.start_pos or 0
    text = str(token)[:-1]
    kind = _KINDS[token.type[: -len("_COLON")]] if text else "empty"
    return Item(kind, text, Span(start, start + len(text)))


def _last_item(token: Token | None, start: int) -> Item:
    if token is None:
        return Item("empty", "", Span(start, start))
    return Item(_KINDS[token.type], str(token), Span(token.start_pos or 0, _end(token)))


@functools.cache
def _parser() -> Lark:
    from lark import Lark, Transformer

    class _Callbacks(_Builder, Transformer):  # type: ignore[type-arg]
        pass

    return Lark(grammar_text("options"), parser="lalr", transformer=_Callbacks())


def split_options(text: str) -> list[Piece]:
    """Split a mount data string into pieces with their positions."""
    from lark.exceptions import UnexpectedInput

    try:
        pieces = cast(list[Piece], _parser().parse(text))  # the transformer's start() result
    except UnexpectedInput as error:  # the grammar accepts every string; this guards bugs
        column = error.pos_in_stream if error.pos_in_stream not in (None, -1) else len(text)
        raise OptionError(
            "cannot split this text into pieces", source=text, span=Span(column, column + 1)
        ) from error
    return pieces
