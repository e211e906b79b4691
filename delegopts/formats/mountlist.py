"""What ``mount`` and ``findmnt`` print: every bpffs mount listed, with its options placed.

mount(8) lists mounts as ``SOURCE on TARGET type TYPE (OPTIONS)`` (pasted from a terminal,
sometimes wrapped over several lines, as LXD's documentation shows it); findmnt(8) prints a
table (``TARGET SOURCE FSTYPE OPTIONS``, as a tree, ``-l`` or ``--raw``, with ``\\x20``-style
escapes), ``KEY="value"`` pairs (``-P``) or JSON (``-J``). OPTIONS is, like in
/proc/mounts, the per-mount flags and the superblock's options together: the flags
(``rw``, ``relatime``...) are left out of the option string, as mount(8) would.

>>> scan, mounts = scan_mount_output("none on /sys/fs/bpf type bpf (rw,relatime,uid=5)\\n", "m")
>>> mounts[0].mount_point, mounts[0].found.options
('/sys/fs/bpf', 'uid=5')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from delegopts.diagnostics import Code, Diagnostic
from delegopts.formats._found import Found, Scan
from delegopts.formats._manager import (
    Assembler,
    finding,
)
from delegopts.formats._yamlpos import Source, YamlError, load, lookup, scalar_positions, string_of
from delegopts.formats.mountopts import kept_pieces

__all__ = ["Listed", "mount_output_kind", "scan_mount_output"]

_MOUNT_LINE = re.compile(r"^(?P<source>\S.*?) on (?P<target>.+?) type (?P<type>\S+) \(")
_PAIR = re.compile(r'(?P<key>[A-Z_%-]+)="(?P<value>(?:[^"\\]|\\.)*)"')
_TREE = "│├└─`|- "
_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|\\([0-7]{3})")
_BPF = "bpf"


@dataclass(frozen=True, slots=True)
class Listed:
    """One listed bpffs mount: where, from what, and its options (flags left out)."""

    mount_point: str
    source: str
    found: Found


def mount_output_kind(text: str) -> str | None:
    """``mount``, ``findmnt``, ``pairs`` or ``json`` when ``text`` is such a listing, else None.

    >>> mount_output_kind("TARGET      SOURCE FSTYPE OPTIONS\\n/sys/fs/bpf bpf    bpf    rw\\n")
    'findmnt'
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    if text.lstrip().startswith("{") and '"filesystems"' in text:
        return "json"
    if any(_header(line) is not None for line in lines):
        return "findmnt"
    if any(_MOUNT_LINE.match(line) for line in lines):
        return "mount"
    if all(_PAIR.match(line.strip()) for line in lines) and any("FSTYPE=" in x for x in lines):
        return "pairs"
    return None


def _header(line: str) -> list[str] | None:
    names = line.split()
    if "TARGET" in names and "FSTYPE" in names and all(n.isupper() for n in names):
        return names
    return None


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16 if m.group(1) else 8)), text)


def scan_mount_output(text: str, path: str) -> tuple[Scan, list[Listed]]:
    """The bpffs mounts of a mount(8) or findmnt(8) listing."""
    kind = mount_output_kind(text) or "mount"
    source = Source(text)
    reader = {"mount": _mount, "findmnt": _table, "pairs": _pairs, "json": _json}[kind]
    listed, problems, skipped = reader(source, path)
    return Scan.of((m.found for m in listed), problems, skipped), listed


def _options(assembler: Assembler, text: str, chars: list[tuple[int, int]]) -> None:
    """The kernel's part of an OPTIONS column (``text``, each char at ``chars``)."""
    kept, _ = kept_pieces(text)
    for number, (begin, end) in enumerate(kept):
        if number:
            assembler.add_chars(",", [chars[begin - 1] if begin else chars[0]])
        assembler.add_chars(text[begin:end], chars[begin:end])


def _listed(  # noqa: PLR0917
    source: Source, path: str, target: str, origin: str, options: tuple[str, list[tuple[int, int]]],
    end: tuple[int, int], what: str,
) -> Listed:  # fmt: skip
    assembler = Assembler(source)
    _options(assembler, *options)
    found = assembler.found(path, end=end, what=f"{what} of {target}", target=target)
    return Listed(target, origin, found)


def _mount(source: Source, path: str) -> tuple[list[Listed], list[Diagnostic], int]:
    listed: list[Listed] = []
    skipped = 0
    lines = source.lines
    number = 0
    while number < len(lines):
        match = _MOUNT_LINE.match(lines[number])
        if match is None:
            number += 1
            continue
        # OPTIONS runs to the ')' that closes it, on this line or a later one (wrapped).
        chars: list[tuple[int, int]] = []
        text: list[str] = []
        line, column = number, match.end()
        closed = False
        while line < len(lines) and not closed:
            row = lines[line]
            start = column if line == number else len(row) - len(row.lstrip())
            for index in range(start, len(row)):
                if row[index] == ")" and row[index + 1 :].strip()[:1] in ("", "["):
                    closed, column = True, index
                    break
                if row[index] not in " \t":
                    text.append(row[index])
                    chars.append((line, index))
            if not closed:
                line += 1
        if match.group("type") != _BPF:
            skipped += 1
        else:
            target = _unescape(match.group("target"))
            end = (min(line, len(lines) - 1), column)
            listed.append(
                _listed(source, path, target, match.group("source"), ("".join(text), chars),
                        end, "mount(8) line")
            )  # fmt: skip
        number = line + 1
    return listed, [], skipped


def _fields(row: str, names: list[str], starts: list[int]) -> list[tuple[str, int]] | None:
    """The columns of a findmnt row: by blanks, else by the heading's columns (a raw blank)."""
    fields = [(m.group(), m.start()) for m in re.finditer(r"\S+", row)]
    while fields and all(char in _TREE for char in fields[0][0]):
        fields = fields[1:]
    if len(fields) != len(names):
        fields = []
        for order, start in enumerate(starts):
            end = starts[order + 1] if order + 1 < len(starts) else len(row)
            cell = row[start:end]
            if order + 1 < len(starts) and end < len(row) and row[end - 1] != " ":
                return None  # a cell running into the next column: not aligned
            fields.append((cell.strip(), start + len(cell) - len(cell.lstrip())))
    first, start = fields[0]
    stripped = first.lstrip(_TREE)
    fields[0] = (stripped, start + len(first) - len(stripped))
    return fields


def _table(source: Source, path: str) -> tuple[list[Listed], list[Diagnostic], int]:
    listed: list[Listed] = []
    problems: list[Diagnostic] = []
    skipped = 0
    names: list[str] | None = None
    starts: list[int] = []
    for number, row in enumerate(source.lines):
        header = _header(row)
        if header is not None:
            names, starts = header, [m.start() for m in re.finditer(r"\S+", row)]
            continue
        if names is None or not row.strip():
            continue
        fields = _fields(row, names, starts)
        if fields is None:
            problems.append(
                finding(Code.MOUNTINFO_LINE, f"a findmnt row that does not fit its {len(names)} "
                        "headings", source=source, path=path, where=(number, 0, max(len(row), 1)),
                        fix="use findmnt --raw or -J")
            )  # fmt: skip
            continue
        column = dict(zip(names, fields, strict=True))
        if column["FSTYPE"][0] != _BPF or "OPTIONS" not in column:
            skipped += 1
            continue
        options, at = column["OPTIONS"]
        chars = [(number, at + index) for index in range(len(options))]
        target = _unescape(column["TARGET"][0])
        origin = _unescape(column["SOURCE"][0]) if "SOURCE" in column else ""
        listed.append(
            _listed(source, path, target, origin, (options, chars), (number, at + len(options)),
                    "findmnt row")
        )  # fmt: skip
    return listed, problems, skipped


def _pairs(source: Source, path: str) -> tuple[list[Listed], list[Diagnostic], int]:
    listed: list[Listed] = []
    skipped = 0
    for number, row in enumerate(source.lines):
        values = {m.group("key"): m for m in _PAIR.finditer(row)}
        if "FSTYPE" not in values or "OPTIONS" not in values:
            continue
        if _unescape(values["FSTYPE"].group("value")) != _BPF:
            skipped += 1
            continue
        match = values["OPTIONS"]
        options, at = match.group("value"), match.start("value")
        chars = [(number, at + index) for index in range(len(options))]
        target = _unescape(values["TARGET"].group("value")) if "TARGET" in values else ""
        origin = _unescape(values["SOURCE"].group("value")) if "SOURCE" in values else ""
        end = (number, at + len(options))
        listed.append(
            _listed(source, path, target, origin, (options, chars), end, "findmnt -P row")
        )
    return listed, [], skipped


def _json(source: Source, path: str) -> tuple[list[Listed], list[Diagnostic], int]:
    try:
        documents = load(source.text)
    except YamlError as error:
        line, column = source.where(error.index)
        problem = finding(Code.SYNTAX, f"not JSON: {error.message}", source=source,
                          path=path, where=(line, column, column + 1))  # fmt: skip
        return [], [problem], 0
    listed: list[Listed] = []
    skipped = 0
    pending = [(node, 0) for node in documents]
    seen: set[int] = set()
    while pending:
        node, depth = pending.pop(0)
        if depth > 64 or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend((item, depth + 1) for item in node.value)
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        pending.extend((value, depth + 1) for _, value in node.value)
        fstype, options = lookup(node, "fstype"), lookup(node, "options")
        if fstype is None:
            continue
        kind = string_of(fstype)
        text = string_of(options) if options is not None else None
        if kind is None or kind.value != _BPF or text is None or options is None:
            skipped += 1
            continue
        chars = [source.where(index) for index in scalar_positions(options, source.text)]
        target_node, origin_node = lookup(node, "target"), lookup(node, "source")
        target = string_of(target_node) if target_node is not None else None
        origin = string_of(origin_node) if origin_node is not None else None
        end = source.where(max(options.end_mark.index - 1, options.start_mark.index))
        listed.append(
            _listed(source, path, target.value if target else "", origin.value if origin else "",
                    (text.value, chars), end, "findmnt -J entry")
        )  # fmt: skip
    return listed, [], skipped
