"""The option-string and delegate-value grammars: text in, positioned pieces out.

The grammars live in ``grammars/*.lark`` (package ``delegopts.grammars``). Parsers are
LALR with the transformer passed to the constructor, built on first use and kept for the
process; no cache file is ever written.

>>> [(p.key, p.value) for p in split_options("uid=1,,delegate_cmds=any")]
[('uid', '1'), (None, None), ('delegate_cmds', 'any')]
>>> [(i.kind, i.text, i.span.start) for i in split_value("prog_load::0x1", offset=14)]
[('symbol', 'prog_load', 14), ('empty', '', 24), ('number', '0x1', 25)]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from delegopts.errors import OptionError, Span

if TYPE_CHECKING:
    from lark import Lark, Token

__all__ = ["Item", "Piece", "grammar_text", "split_options", "split_value"]


def _end(token: Token) -> int:
    return token.end_pos or 0


@dataclass(frozen=True, slots=True)
class Piece:
    """One comma-separated piece: ``key`` (None if empty), whether ``=`` follows, ``value``."""

    key: str | None
    has_equals: bool
    value: str | None
    span: Span
    key_span: Span
    value_span: Span

    @property
    def text(self) -> str:
        return (self.key or "") + ("=" if self.has_equals else "") + (self.value or "")


@dataclass(frozen=True, slots=True)
class Item:
    """One colon-separated piece of a delegate value.

    ``kind`` is ``any``, ``symbol``, ``number``, ``other`` or ``empty``.
    """

    kind: str
    text: str
    span: Span


def grammar_text(name: str) -> str:
    """The text of ``grammars/<name>.lark``, read as package data."""
    return resources.files("delegopts.grammars").joinpath(f"{name}.lark").read_text("utf-8")


def _tokens_between(children: list[Any], separator: str) -> list[tuple[list[Token], int]]:
    """Group ``[group, SEP, group, ...]`` children into (tokens, start offset) pairs."""
    groups: list[tuple[list[Token], int]] = []
    start = 0
    for child in children:
        if getattr(child, "type", None) == separator:
            start = _end(child)
            continue
        groups.append((child, start))
    return groups


def _make_parser(name: str, transformer_class: type[Any]) -> Lark:
    from lark import Lark, Transformer

    class _Adapter(transformer_class, Transformer):  # type: ignore[misc,type-arg]
        pass

    return Lark(grammar_text(name), parser="lalr", transformer=_Adapter(), start="start")


class _OptionsBuilder:
    def piece(self, children: list[Token]) -> list[Token]:
        return children

    def start(self, children: list[Any]) -> list[Piece]:
        pieces: list[Piece] = []
        for tokens, start in _tokens_between(children, "COMMA"):
            by_type = {token.type: token for token in tokens}
            key, equals, value = by_type.get("KEY"), by_type.get("EQUALS"), by_type.get("VALUE")
            end = _end(tokens[-1]) if tokens else start
            key_end = _end(key) if key is not None else start
            value_start = _end(equals) if equals is not None else end
            pieces.append(
                Piece(
                    key=str(key) if key is not None else None,
                    has_equals=equals is not None,
                    value=str(value) if value is not None else ("" if equals is not None else None),
                    span=Span(start, end),
                    key_span=Span(start, key_end),
                    value_span=Span(value_start, end),
                )
            )
        return pieces


class _ValueBuilder:
    def item(self, children: list[Token]) -> list[Token]:
        return children

    def start(self, children: list[Any]) -> list[Item]:
        items: list[Item] = []
        for tokens, start in _tokens_between(children, "COLON"):
            if not tokens:
                items.append(Item("empty", "", Span(start, start)))
                continue
            token = tokens[0]
            kind = str(token.type).lower()
            items.append(Item(kind, str(token), Span(token.start_pos or 0, _end(token))))
        return items


@functools.cache
def _options_parser() -> Lark:
    return _make_parser("options", _OptionsBuilder)


@functools.cache
def _value_parser() -> Lark:
    return _make_parser("delegate", _ValueBuilder)


def _parse(parser: Lark, text: str) -> Any:
    from lark.exceptions import UnexpectedInput

    try:
        return parser.parse(text)
    except UnexpectedInput as error:  # the grammars accept every string; this is a bug guard
        column = error.pos_in_stream if error.pos_in_stream not in (None, -1) else len(text)
        raise OptionError(
            "cannot split this text into pieces", source=text, span=Span(column, column + 1)
        ) from error


def split_options(text: str) -> list[Piece]:
    """Split a mount data string into pieces with their positions."""
    pieces: list[Piece] = _parse(_options_parser(), text)
    return pieces


def split_value(value: str, *, offset: int = 0) -> list[Item]:
    """Split one delegate value into items; spans are shifted by ``offset``."""
    items: list[Item] = _parse(_value_parser(), value)
    if offset:
        items = [Item(item.kind, item.text, item.span.shift(offset)) for item in items]
    return items
