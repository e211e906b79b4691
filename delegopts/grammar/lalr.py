"""Run the LALR tables Lark compiled from ``grammars/*.lark``, without importing Lark.

Importing Lark and building a parser costs 100-150 ms in every new process, more than
twice Python's own start-up: ``delegopts show`` could never start fast. So the tables
(see :mod:`delegopts.grammar.tablegen`) are compiled ahead of time and shipped beside the
grammars, and this module runs them the way Lark's LALR parser with a contextual lexer
does:

- the lexer tries, at each position, the terminals the current parser state accepts,
  as one alternation in Lark's order (priority, then width, then name), so the first
  that matches wins;
- the parser shifts and reduces by the table; each reduction filters the children as
  Lark does (filtered terminals dropped, ``_rule`` children spliced in) and calls the
  transformer's method named after the rule or its alias, else its ``__default__``.

If a grammar's tables are missing, of another format, or made from a different grammar
text, :func:`load` returns None and callers build the parser with Lark instead.

>>> parser = load("fstab")
>>> parser.parse("bpffs /sys/fs/bpf bpf defaults")
('start', [('entry', [Token('FIELD', 'bpffs'), Token('FIELD', '/sys/fs/bpf'), \
Token('FIELD', 'bpf'), Token('FIELD', 'defaults')])])
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from delegopts.grammar.resources import read_bytes, read_text

__all__ = ["ParseError", "Parser", "TextParser", "Token", "build", "load"]

TABLE_FORMAT = 1  # the layout delegopts.grammar.tablegen writes
_GRAMMARS = "delegopts.grammars"


class Token(str):
    """A matched terminal: its ``type`` and ``[start_pos, end_pos)`` in the text."""

    type: str
    start_pos: int
    end_pos: int

    def __new__(cls, type_: str, value: str, start_pos: int = 0) -> Token:
        token = super().__new__(cls, value)
        token.type = type_
        token.start_pos = start_pos
        token.end_pos = start_pos + len(value)
        return token

    @property
    def value(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class ParseError(ValueError):
    """The text does not fit the grammar at ``pos``.

    ``kind`` is ``characters`` (no terminal of the grammar matches there) or ``token`` (a
    terminal matches but the grammar does not allow it there, or the text ends early).
    """

    def __init__(self, kind: str, pos: int, text: str) -> None:
        super().__init__(f"unexpected {kind} at {pos}")
        self.kind = kind
        self.pos = pos
        self.text = text


class TextParser(Protocol):
    """What :func:`build` returns: tables runtime or Lark, the same ``parse``."""

    def parse(self, text: str) -> Any:
        """What the ``start`` callback returns; :class:`ParseError` where the text does not fit."""


class _Rule:
    __slots__ = ("callback", "expand1", "keep", "origin", "size")

    def __init__(self, spec: dict[str, Any]) -> None:
        self.origin: str = spec["origin"]
        self.callback: str = spec["callback"]
        self.size: int = spec["size"]
        self.keep: list[tuple[int, bool]] | None = (
            None if spec["keep"] is None else [(i, bool(expand)) for i, expand in spec["keep"]]
        )
        self.expand1: bool = spec["expand1"]


class _Node:
    """What an inlined ``_rule`` or a rule with no callback becomes: its name and children."""

    __slots__ = ("children", "data")

    def __init__(self, data: str, children: list[Any]) -> None:
        self.data = data
        self.children = children

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Node) and (self.data, self.children) == (
            other.data,
            other.children,
        )

    def __repr__(self) -> str:
        return repr((self.data, self.children))

    __hash__ = None  # type: ignore[assignment]


class Parser:
    """One grammar's tables and a transformer whose methods receive each rule's children."""

    def __init__(self, tables: dict[str, Any], transformer: object | None = None) -> None:
        self._terminals: dict[str, str] = tables["terminals"]
        self._lexer_names: dict[int, list[str]] = {
            int(state): names for state, names in tables["lexers"].items()
        }
        self._unless: dict[int, dict[str, list[str]]] = {
            int(state): retypes for state, retypes in tables["unless"].items()
        }
        self._root_names: list[str] = tables["root"]
        self._scanners: dict[tuple[str, ...], re.Pattern[str]] = {}
        self._states: list[dict[str, tuple[bool, int]]] = [{} for _ in tables["states"]]
        for state, actions in tables["states"].items():
            self._states[int(state)] = {
                symbol: (action == 0, arg) for symbol, (action, arg) in actions.items()
            }
        self._start: int = tables["start"]
        self._end: int = tables["end"]
        self._rules = [_Rule(spec) for spec in tables["rules"]]
        default = getattr(transformer, "__default__", None)
        self._callbacks = [self._callback(rule, transformer, default) for rule in self._rules]

    @staticmethod
    def _callback(rule: _Rule, transformer: object | None, default: Any) -> Any:
        method = getattr(transformer, rule.callback, None)
        if method is not None:
            return method
        if default is not None:
            return lambda children, name=rule.callback: default(name, children, None)
        return lambda children, name=rule.callback: _Node(name, children)

    def _scanner(self, names: list[str]) -> re.Pattern[str]:
        key = tuple(names)
        scanner = self._scanners.get(key)
        if scanner is None:
            alternation = "|".join(f"(?P<{name}>{self._terminals[name]})" for name in names)
            scanner = self._scanners[key] = re.compile(alternation or "(?!)")
        return scanner

    def _next_token(self, text: str, pos: int, state: int) -> Token:
        match = self._scanner(self._lexer_names.get(state, [])).match(text, pos)
        if match is None or match.lastgroup is None:
            # As Lark's contextual lexer: a terminal of the grammar that the state does not
            # allow is an unexpected token; nothing the grammar knows, unexpected characters.
            if self._scanner(self._root_names).match(text, pos):
                raise ParseError("token", pos, text)
            raise ParseError("characters", pos, text)
        kind = match.lastgroup
        value = match.group()
        for name in self._unless.get(state, {}).get(kind, ()):
            # a keyword the regex terminal also matches, retyped as Lark does: the value
            # matches the keyword's pattern up to "$" (flags such as "any"i included)
            if re.match(f"(?:{self._terminals[name]})$", value):
                kind = name
                break
        return Token(kind, value, pos)

    def parse(self, text: str) -> Any:
        """Run the tables over ``text``; the value is what the ``start`` callback returns."""
        states = self._states
        state_stack = [self._start]
        value_stack: list[Any] = []
        pos = 0
        last_start = 0
        while True:
            at_end = pos >= len(text)
            if at_end:
                token = Token("$END", "", last_start)
            else:
                token = self._next_token(text, pos, state_stack[-1])
                last_start = pos
            while True:
                action = states[state_stack[-1]].get(token.type)
                if action is None:
                    raise ParseError("token", token.start_pos, text)
                shift, arg = action
                if shift:
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                rule = self._rules[arg]
                if rule.size:
                    children = value_stack[-rule.size :]
                    del state_stack[-rule.size :]
                    del value_stack[-rule.size :]
                else:
                    children = []
                value = self._reduce(arg, rule, children)
                goto = states[state_stack[-1]][rule.origin]
                state_stack.append(goto[1])
                value_stack.append(value)
                if at_end and state_stack[-1] == self._end:
                    return value_stack[-1]
            pos = token.end_pos

    def _reduce(self, index: int, rule: _Rule, children: list[Any]) -> Any:
        if rule.keep is not None:
            filtered: list[Any] = []
            for position, expand in rule.keep:
                if not expand:
                    filtered.append(children[position])
                elif filtered:
                    filtered += children[position].children
                else:
                    # Left recursion (``_items: _items ":" item``) expands the list built so
                    # far: take it over instead of copying it, which made a parse quadratic
                    # in its length. The inlined node is dropped, so nothing else sees it.
                    filtered = children[position].children
            children = filtered
        if rule.expand1 and len(children) == 1:
            return children[0]
        return self._callbacks[index](children)


def load(name: str, transformer: object | None = None) -> Parser | None:
    """The parser for ``grammars/<name>.lark`` from its shipped tables, or None if stale."""
    try:
        tables = json.loads(read_bytes(_GRAMMARS, f"{name}.tables.json"))
        grammar = read_text(_GRAMMARS, f"{name}.lark")
    except (OSError, ValueError):
        return None
    if tables.get("format") != TABLE_FORMAT or tables.get("grammar") != grammar:
        return None
    return Parser(tables, transformer)


class _LarkParser:
    """The fallback: Lark builds the parser from the grammar (slow to start, same result)."""

    def __init__(self, name: str, callbacks: object | None) -> None:
        from lark import Lark

        self._lark = Lark(
            read_text(_GRAMMARS, f"{name}.lark"),
            parser="lalr",
            transformer=_WithDefault(callbacks),
            maybe_placeholders=False,
        )

    def parse(self, text: str) -> Any:
        from lark.exceptions import UnexpectedCharacters, UnexpectedInput

        try:
            return self._lark.parse(text)
        except UnexpectedCharacters as error:
            raise ParseError("characters", error.pos_in_stream or 0, text) from error
        except UnexpectedInput as error:
            at = error.pos_in_stream
            raise ParseError("token", len(text) if at is None or at < 0 else at, text) from error


class _WithDefault:
    """The callbacks as Lark must see them: a method for every rule, as :class:`Parser` gives.

    Lark builds a ``Tree`` for a rule its transformer has no method for, and never asks
    ``__default__``; the tables runtime calls ``__default__`` or builds a :class:`_Node`.
    Answering every name here makes the two give the same values.
    """

    def __init__(self, callbacks: object | None) -> None:
        self._callbacks = callbacks

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._callbacks, name, None)
        if method is not None:
            return method
        if name.startswith("__") or not name.lstrip("_")[:1].islower():
            raise AttributeError(name)  # a terminal (Lark would call it on each token)
        default = getattr(self._callbacks, "__default__", None)
        if default is not None:
            return lambda children: default(name, children, None)
        return lambda children: _Node(name, children)


def build(name: str, callbacks: object | None = None) -> TextParser:
    """The parser for ``grammars/<name>.lark``: its shipped tables, else one Lark builds.

    Either way ``parse(text)`` returns what the ``start`` callback returns, and raises
    :class:`ParseError` where the text does not fit.
    """
    return load(name, callbacks) or _LarkParser(name, callbacks)
