"""Line grammars of the file formats: built lazily, once per process, never cached on disk.

Each grammar in ``grammars/<name>.lark`` parses one line. The transformer, passed to the
constructor as the style of the project wants, turns every rule into a :class:`Node`
(its name and children), so the format modules read positioned tokens directly.

>>> node = parse_line("fstab", "bpffs /sys/fs/bpf bpf defaults")
>>> [str(token) for token in node.children[0].children]
['bpffs', '/sys/fs/bpf', 'bpf', 'defaults']
"""

from __future__ import annotations

import functools

from delegopts._namedtuple import NamedTuple
from delegopts.errors import DelegoptsError, Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.grammar.lalr import TextParser

__all__ = ["LineSyntaxError", "Node", "parse_line"]


class Node(NamedTuple):
    """One rule matched: ``name`` and its children (tokens or nodes)."""

    name: str
    children: list[Any]

    def first(self, name: str) -> Node | None:
        return next((c for c in self.children if isinstance(c, Node) and c.name == name), None)

    def tokens(self, kind: str | None = None) -> list[Any]:
        return [
            c for c in self.children if not isinstance(c, Node) and (kind is None or c.type == kind)
        ]


class LineSyntaxError(DelegoptsError, ValueError):
    """A line that its format's grammar does not accept; ``span`` is where it stops."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.span = span


class _ToNode:
    def __default__(self, data: Any, children: list[Any], meta: Any) -> Node:
        return Node(str(data), children)


@functools.cache
def _parser(name: str) -> TextParser:
    from delegopts.grammar.lalr import build

    return build(name, _ToNode())


def parse_line(name: str, text: str) -> Node:
    """Parse one line (trailing blanks removed) with ``grammars/<name>.lark``."""
    from delegopts.grammar.lalr import ParseError

    line = text.rstrip(" \t\r\n")
    try:
        node: Node = _parser(name).parse(line)
    except ParseError as error:
        column = error.pos
        if error.kind == "characters":
            raise LineSyntaxError(
                f"unexpected {line[column]!r}", Span(column, column + 1)
            ) from error
        raise LineSyntaxError("the line ends too early", Span(column, column + 1)) from error
    return node
