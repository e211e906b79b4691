"""Incus instance keys ``security.bpffs.delegate_*``: comma-separated names, or ``any``.

Incus documents one key per delegate option, each a comma-separated list of enumerator
names without their prefix (as the kernel's mount options, with ``,`` for ``:``), and
mounts bpffs at ``security.bpffs.path`` with them.

>>> scan = scan_incus("security.bpffs.delegate_cmds: map_create,obj_get\\n", "config.yaml")
>>> scan.found[0].options
'delegate_cmds=map_create:obj_get'
"""

from __future__ import annotations

import difflib

from delegopts.catalog import OptionKind
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.formats._found import Builder, Found, Scan, finding
from delegopts.grammar.lines import LineSyntaxError, parse_line
from delegopts.options import Options
from delegopts.policy import ignored_codes

__all__ = ["PREFIX", "scan_incus", "to_incus"]

PREFIX = "security.bpffs."
_OTHER_KEYS = ("security.bpffs.path",)


def to_incus(options: Options) -> tuple[list[str], list[str]]:
    """``key=value`` lines for ``incus config set``, and what they cannot express."""
    lines: list[str] = []
    lost: list[str] = []
    for mask in options:
        if mask:
            value = "any" if mask.is_any else ",".join(mask.names)
            lines.append(f"{PREFIX}{mask.kind.key}={value}")
            if mask.leftover and not mask.is_any:
                lost.append(f"{mask.kind.key}: bits {mask.leftover:#x} have no name")
    for owner, number in (("uid", options.uid), ("gid", options.gid)):
        if number:
            lost.append(f"{owner}={number}: Incus sets the owner from the container's root user")
    return lines, lost


def scan_incus(text: str, path: str) -> Scan:
    """The bpffs data string of an instance's ``security.bpffs.delegate_*`` keys."""
    findings: list[Diagnostic] = []
    lines: list[tuple[int, str]] = []
    values: list[tuple[OptionKind, str, int, int]] = []  # kind, value, line index, column
    pending: frozenset[Code] = frozenset()
    ignore: frozenset[Code] = frozenset()
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            node = parse_line("incus", line)
        except LineSyntaxError as error:
            findings.append(
                finding(Code.SYNTAX, f"Incus key line: {error}", path, number, line, error.span)
            )
            continue
        comment = node.tokens("COMMENT")
        if comment:
            pending |= ignored_codes(str(comment[0]))
            continue
        setting = node.first("setting")
        if setting is None:
            continue
        key_token = setting.tokens("KEY")[0]
        key = str(key_token)
        value_tokens = setting.tokens("VALUE")
        value = str(value_tokens[0]).rstrip() if value_tokens else ""
        column = (value_tokens[0].start_pos or 0) if value_tokens else len(line)
        kind = OptionKind.from_key(key[len(PREFIX) :]) if key.startswith(PREFIX) else None
        if kind is None:
            if key.startswith(PREFIX) and key not in _OTHER_KEYS:
                keys = [PREFIX + k.key for k in OptionKind] + list(_OTHER_KEYS)
                close = difflib.get_close_matches(key, keys, n=1, cutoff=0.8)
                findings.append(
                    finding(
                        Code.INCUS_KEY,
                        f"{key!r} is not an Incus bpffs key: it does nothing",
                        path,
                        number,
                        line,
                        Span(0, len(key)),
                        f"did you mean '{close[0]}'?" if close else None,
                    )
                )
            pending = frozenset()
            continue
        ignore |= pending
        pending = frozenset()
        lines.append((number, line))
        values.append((kind, value, len(lines) - 1, column))
    if not values:
        return Scan.of((), findings)
    builder = Builder(lines)
    for number, (kind, value, index, column) in enumerate(values):
        if number:
            builder.add(",", index, 0, 1)
        builder.add(f"{kind.key}=", index, 0, column)
        # Incus separates names with ',' where the kernel wants ':'; one char for one char.
        builder.add_mapped(value.replace(",", ":"), index, list(range(column, column + len(value))))
    found: Found = builder.found(path=path, what="Incus security.bpffs keys", ignore=ignore)
    return Scan.of([found], findings)
