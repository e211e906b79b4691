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

import re

from delegopts.grammar.resources import read_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    #: A rule as the parse loop uses it: size, origin, which children to keep (position,
    #: whether to splice in an inlined node's children) or None for all, expand1, callback.
    _Rule = tuple[int, str, "tuple[tuple[int, bool], ...] | None", bool, Any]
    #: A state's lexer: the match of its terminals' alternation, and its keyword retyping.
    _Lexer = tuple[Any, "dict[str, tuple[tuple[str, Any], ...]]"]

    class TextParser(Protocol):
        """What :func:`build` returns: tables runtime or Lark, the same ``parse``."""

        def parse(self, text: str) -> Any:
            """What the ``start`` callback returns; :class:`ParseError` where it does not fit."""


__all__ = ["ParseError", "Parser", "Token", "build", "load"]

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


_new_str = str.__new__


class Parser:
    """One grammar's tables and a transformer whose methods receive each rule's children.

    The tables are turned into what the parse loop reads with the fewest steps: per state
    one compiled scanner (made when the state is first reached) and one dict from symbol
    to action (a shift or goto is the next state, ``>= 0``; a reduction by rule ``r`` is
    ``~r``), rules as plain tuples. The parse
    runs for every option string of every command, so each step avoided counts.
    """

    def __init__(self, tables: dict[str, Any], transformer: object | None = None) -> None:
        self._terminals: dict[str, str] = tables["terminals"]
        self._scanners: dict[tuple[str, ...], Any] = {}
        count = len(tables["states"])
        self._lexer_names = {int(state): names for state, names in tables["lexers"].items()}
        self._unless = {int(state): retypes for state, retypes in tables["unless"].items()}
        # Built on first use: a run that parses one string reaches a few states, and each
        # scanner is a regex compile (the options grammar's five cost 2.5 ms together).
        self._lexers: list[_Lexer | None] = [None] * count
        self._root_names: list[str] = tables["root"]
        self._actions: list[dict[str, int]] = [{} for _ in range(count)]
        for state, actions in tables["states"].items():
            self._actions[int(state)] = {
                symbol: arg if action == 0 else ~arg for symbol, (action, arg) in actions.items()
            }
        self._start: int = tables["start"]
        self._end: int = tables["end"]
        default = getattr(transformer, "__default__", None)
        self._rules: list[_Rule] = [
            (
                spec["size"],
                spec["origin"],
                None if spec["keep"] is None else tuple((i, bool(e)) for i, e in spec["keep"]),
                bool(spec["expand1"]),
                self._callback(spec["callback"], transformer, default),
            )
            for spec in tables["rules"]
        ]

    def _scanner(self, names: list[str]) -> Any:
        key = tuple(names)
        scanner = self._scanners.get(key)
        if scanner is None:
            alternation = "|".join(f"(?P<{name}>{self._terminals[name]})" for name in names)
            scanner = self._scanners[key] = re.compile(alternation or "(?!)").match
        return scanner

    def _lexer(self, state: int) -> _Lexer:
        """The scanner of ``state``'s terminals and its keyword retyping, made once."""
        lexer = self._lexers[state] = (
            self._scanner(self._lexer_names.get(state, [])),
            {
                # a keyword the regex terminal also matches, retyped as Lark does: the
                # value matches the keyword's pattern up to "$" ("any"i flags included)
                kind: tuple(
                    (name, re.compile(f"(?:{self._terminals[name]})$").match) for name in names
                )
                for kind, names in self._unless.get(state, {}).items()
            },
        )
        return lexer

    @staticmethod
    def _callback(name: str, transformer: object | None, default: Any) -> Any:
        method = getattr(transformer, name, None)
        if method is not None:
            return method
        if default is not None:
            return lambda children: default(name, children, None)
        return lambda children: _Node(name, children)

    def _unexpected(self, text: str, pos: int) -> ParseError:
        # As Lark's contextual lexer: a terminal of the grammar that the state does not
        # allow is an unexpected token; nothing the grammar knows, unexpected characters.
        if self._scanner(self._root_names)(text, pos):
            return ParseError("token", pos, text)
        return ParseError("characters", pos, text)

    def parse(self, text: str) -> Any:
        """Run the tables over ``text``; the value is what the ``start`` callback returns."""
        actions, lexers, rules, end = self._actions, self._lexers, self._rules, self._end
        state_stack = [self._start]
        value_stack: list[Any] = []
        length = len(text)
        pos = 0
        last_start = 0
        while True:
            at_end = pos >= length
            if at_end:
                token = Token("$END", "", last_start)
                kind = "$END"
            else:
                match, retype = lexers[state_stack[-1]] or self._lexer(state_stack[-1])
                found = match(text, pos)
                if found is None or found.lastgroup is None:
                    raise self._unexpected(text, pos)
                kind = found.lastgroup
                value = found.group()
                if retype and kind in retype:
                    for name, keyword in retype[kind]:
                        if keyword(value):
                            kind = name
                            break
                # Token(kind, value, pos) without the call through Token.__new__
                token = _new_str(Token, value)
                token.type = kind
                token.start_pos = last_start = pos
                token.end_pos = pos = found.end()
            while True:
                action = actions[state_stack[-1]].get(kind)
                if action is None:
                    raise ParseError("token", token.start_pos, text)
                if action >= 0:
                    state_stack.append(action)
                    value_stack.append(token)
                    break
                size, origin, keep, expand1, callback = rules[~action]
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                if keep is not None:
                    children = _kept(children, keep)
                result = children[0] if expand1 and len(children) == 1 else callback(children)
                state_stack.append(actions[state_stack[-1]][origin])
                value_stack.append(result)
                if at_end and state_stack[-1] == end:
                    return result


def _kept(children: list[Any], keep: tuple[tuple[int, bool], ...]) -> list[Any]:
    """The children Lark keeps: filtered terminals dropped, ``_rule`` children spliced in."""
    filtered: list[Any] = []
    for position, expand in keep:
        if not expand:
            filtered.append(children[position])
        elif filtered:
            filtered += children[position].children
        else:
            # Left recursion (``_items: _items ":" item``) expands the list built so far:
            # take it over instead of copying it, which made a parse quadratic in its
            # length. The inlined node is dropped, so nothing else sees it.
            filtered = children[position].children
    return filtered


def load(name: str, transformer: object | None = None) -> Parser | None:
    """The parser for ``grammars/<name>.lark`` from its shipped tables, or None if stale."""
    from importlib import import_module

    try:
        tables = import_module(f"{_GRAMMARS}.{name}_tables").TABLES
        grammar = read_text(_GRAMMARS, f"{name}.lark")
    except (ImportError, AttributeError, OSError, ValueError):
        return None
    if not isinstance(tables, dict) or tables.get("format") != TABLE_FORMAT:
        return None
    if tables.get("grammar") != grammar:
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
