"""YAML and JSON documents with the line and column of every value, read as Go reads them.

Incus (go.yaml.in/yaml/v4) and LXD (go.yaml.in/yaml/v2) decode a ``config:`` block into
``map[string]string``: a scalar becomes its text as written (``true`` is the string
``"true"``, ``0x1`` stays ``"0x1"``), and a null (``~``, ``null``, nothing) becomes ``""``.
PyYAML's composed nodes keep exactly that text and the position of every node, so each
character of a value can be traced back to its place in the file, through quotes, escapes
and folded lines. JSON (``incus query``, ``--format json``) is read by the same parser:
valid JSON is YAML except for tabs between tokens, which never occur inside a JSON string
and are read as blanks, column for column.

>>> text = 'config:\\n  a: "x\\\\ty"  # note\\n'
>>> tree = load(text)[0]
>>> value = lookup(tree, "config")
>>> [(key.value, string_of(node).value) for key, node in pairs(value)]
[('a', 'x\\ty')]
>>> Source(text).where(scalar_positions(pairs(value)[0][1], text)[1])  # the escape
(1, 7)
"""

from __future__ import annotations

import bisect
import string
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

import yaml

__all__ = [
    "Source",
    "String",
    "YamlError",
    "load",
    "lookup",
    "pairs",
    "scalar_positions",
    "string_of",
]

_NULL = "tag:yaml.org,2002:null"
_ESCAPE_LENGTH = {"x": 2, "u": 4, "U": 8}


class YamlError(ValueError):
    """A document the parser refuses: the message and the 0-based index where it stopped."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


class Source:
    """The text of an input, split like ``str.splitlines``, to turn indices into lines.

    >>> Source("ab\\ncd").where(4)
    (1, 1)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines()
        self.starts: list[int] = []
        position = 0
        for line in text.splitlines(keepends=True):
            self.starts.append(position)
            position += len(line)

    def where(self, index: int) -> tuple[int, int]:
        """0-based (line, column) of character ``index``."""
        if not self.starts:
            return (0, 0)
        line = max(bisect.bisect_right(self.starts, index) - 1, 0)
        line = min(line, len(self.lines) - 1) if self.lines else 0
        return (line, index - self.starts[line])


@dataclass(frozen=True, slots=True)
class String:
    """A scalar read as Go reads it into a string: its value, where it starts and ends."""

    value: str
    start: int
    end: int
    node: yaml.ScalarNode


def load(text: str) -> list[yaml.Node]:
    """Every document of ``text`` as composed nodes (anchors shared, never expanded).

    Raises :class:`YamlError` with the position where the parser stopped.
    """
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        text = text.replace("\t", " ")  # JSON's blanks; a JSON string holds no raw tab
    # libyaml is several times faster, but counts bytes: only where a byte is a character
    # are its positions ours; and only the libyaml of PyYAML 6.0.4 and later caps nesting
    # (before, a deeply nested document crashes the process: the Python reader raises).
    fast = _C_LOADER if text.isascii() else None
    compose = cast("Callable[..., Iterator[yaml.Node]]", yaml.compose_all)
    try:
        return [node for node in compose(text, Loader=fast or yaml.SafeLoader) if node]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not YAML"
        context = f" ({error.context})" if error.context and error.problem else ""
        return _raise(f"{problem}{context}", mark.index if mark else 0)
    except yaml.YAMLError as error:  # the reader's "unacceptable character" errors
        return _raise(str(error).splitlines()[0], getattr(error, "position", 0) or 0)
    except RecursionError:
        return _raise("the document nests too deeply to be read", 0)


def _version(text: str) -> tuple[int, ...]:
    """``6.0.4`` as ``(6, 0, 4)``; what is not a number counts as 0."""
    return tuple(int(part) if part.isdigit() else 0 for part in text.split(".")[:3])


_C_LOADER = getattr(yaml, "CSafeLoader", None) if _version(yaml.__version__) >= (6, 0, 4) else None


def _raise(message: str, index: int) -> list[yaml.Node]:
    raise YamlError(message, index)


def pairs(node: yaml.Node) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """The (key, value) pairs of a mapping whose keys are scalars; [] for anything else."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def lookup(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value of ``key`` in a mapping (the last one when repeated), or None."""
    found = None
    for name, value in pairs(node):
        if name.value == key:
            found = value
    return found


def string_of(node: yaml.Node) -> String | None:
    """``node`` decoded into a Go string: a scalar's text, ``""`` for null; None otherwise."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    plain = not node.style  # None from PyYAML, "" from libyaml
    value = "" if node.tag == _NULL and plain else node.value
    return String(value, node.start_mark.index, node.end_mark.index, node)


def _candidates(node: yaml.ScalarNode, text: str) -> Iterator[tuple[str, int]]:
    """The characters a scalar's source spells, decoded, each with its index in ``text``."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style == "'":
        index = start + 1
        while index < end - 1:
            yield text[index], index
            index += 2 if text[index : index + 2] == "''" else 1
        return
    if node.style != '"':
        for index in range(start, end):
            yield text[index], index
        return
    index = start + 1
    while index < end - 1:
        char = text[index]
        if char != "\\":
            yield char, index
            index += 1
            continue
        code = text[index + 1 : index + 2]
        if code in _ESCAPE_LENGTH:
            digits = text[index + 2 : index + 2 + _ESCAPE_LENGTH[code]]
            complete = len(digits) == _ESCAPE_LENGTH[code]
            number = (
                int(digits, 16) if complete and all(c in string.hexdigits for c in digits) else -1
            )
            if 0 <= number <= sys.maxunicode:
                yield chr(number), index
            index += 2 + _ESCAPE_LENGTH[code]
            continue
        decoded = yaml.SafeLoader.ESCAPE_REPLACEMENTS.get(code)
        if decoded is not None:
            yield decoded, index
        index += 2


def scalar_positions(node: yaml.Node, text: str) -> list[int]:
    """For each character of a scalar's value, the index in ``text`` it comes from.

    Quotes, escapes, block headers, indentation and folded line breaks have no character
    of their own in the value: each value character is matched to the next source
    character that spells it, so the map is exact wherever the value is written plainly.

    >>> text = "k: 'it''s'"
    >>> node = pairs(load(text)[0])[0][1]
    >>> [text[i] for i in scalar_positions(node, text)]
    ['i', 't', "'", 's']
    """
    if not isinstance(node, yaml.ScalarNode):
        return []
    spelled = list(_candidates(node, text))
    by_char: dict[str, list[int]] = {}
    for order, (char, _) in enumerate(spelled):
        by_char.setdefault(char, []).append(order)
    positions: list[int] = []
    cursor = 0
    last = node.start_mark.index
    for char in node.value:
        orders = by_char.get(char, [])
        found = bisect.bisect_left(orders, cursor)
        if found < len(orders):
            cursor = orders[found] + 1
            last = spelled[orders[found]][1]
        positions.append(last)
    return positions
