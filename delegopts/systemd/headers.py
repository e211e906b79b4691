"""systemd's name tables, made from a ``bpf.h`` the way systemd's build makes them.

systemd (v258 on) does not ask the kernel for names: at build time its script
``generate-bpf-delegate-configs.py`` reads the ``linux/bpf.h`` that systemd bundles, and
turns the enumerators of ``enum bpf_cmd``, ``bpf_map_type``, ``bpf_prog_type`` and
``bpf_attach_type`` into string tables whose index is the bit. It keeps a line only when,
stripped, it is exactly ``NAME,`` and NAME does not start with ``__``: a line with a value
(``BPF_PROG_RUN = BPF_PROG_TEST_RUN,``) or a comment
(``BPF_PROG_TYPE_SYSCALL, /* a program that can execute syscalls */``) is left out, and
every later enumerator then sits one bit lower than the kernel's value for it.
This module reproduces that, and also evaluates the enum as C does, so that each such
shift can be named.

>>> header = '''enum bpf_prog_type {
... \tBPF_PROG_TYPE_UNSPEC,
... \tBPF_PROG_TYPE_SYSCALL, /* a program that can execute syscalls */
... \tBPF_PROG_TYPE_NETFILTER,
... \t__MAX_BPF_PROG_TYPE
... };'''
>>> read_header(header).tables["prog_type"]
('BPFProgTypeUnspec', 'BPFProgTypeNetfilter')
>>> read_header(header).dropped["prog_type"]
(('BPF_PROG_TYPE_SYSCALL', 1, 'the line has more than "NAME,"'),)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ENUMS", "HeaderTables", "camel_case", "read_header"]

#: The enums systemd reads, by the suffix its tables are named after.
ENUMS = ("cmd", "map_type", "prog_type", "attach_type")

# The script's own tests, applied to each line after str.strip().
_START = re.compile(r"^\s*enum\s+bpf_(cmd|map_type|prog_type|attach_type)+\s*{")
_END = re.compile(r"^\s*}")
_KEPT = re.compile(r"(\w+)\b,")
# What a C compiler sees of an enumerator line: NAME [= VALUE] [,] [comment].
_C_ENUMERATOR = re.compile(r"([A-Za-z_]\w*)\s*(?:=\s*([^,/]+?))?\s*,?\s*(?:/[*/].*)?")
_C_VALUE = re.compile(r"\(?\s*(\d+|0x[0-9a-fA-F]+)\s*(?:[uU]?\s*<<\s*(\d+))?\s*\)?")


def camel_case(declared: str) -> str:
    """systemd's spelling: the first word kept, each later one ``str.capitalize()``-d.

    >>> camel_case("BPF_CGROUP_INET4_BIND")
    'BPFCgroupInet4Bind'
    """
    words = declared.split("_")
    return words[0] + "".join(word.capitalize() for word in words[1:])


@dataclass(frozen=True, slots=True)
class HeaderTables:
    """systemd's tables (index = bit) and what its script left out, per enum."""

    tables: dict[str, tuple[str, ...]]
    #: (declared name, value a C compiler gives it, why the script skipped it)
    dropped: dict[str, tuple[tuple[str, int, str], ...]]
    #: (systemd name, the bit systemd sets, the value the kernel has for it) where they differ
    shifted: dict[str, tuple[tuple[str, int, int], ...]]


def _c_value(expression: str, known: dict[str, int]) -> int | None:
    expression = expression.strip()
    if expression in known:
        return known[expression]
    match = _C_VALUE.fullmatch(expression)
    if match is None:
        return None
    return int(match[1], 0) << int(match[2] or 0)


def read_header(text: str) -> HeaderTables:
    """The tables systemd's build makes of ``text``, a ``linux/bpf.h``."""
    tables: dict[str, list[str]] = {}
    dropped: dict[str, list[tuple[str, int, str]]] = {}
    shifted: dict[str, list[tuple[str, int, int]]] = {}
    current: str | None = None
    value = 0
    known: dict[str, int] = {}
    in_comment = False
    for raw in text.splitlines():
        line = raw.strip()
        if current is None:
            match = _START.match(line)
            if match is not None:
                current, value, known, in_comment = match[1], 0, {}, False
                tables[current], dropped[current], shifted[current] = [], [], []
            continue
        if _END.match(line):
            current = None
            continue
        kept = _KEPT.fullmatch(line)
        if kept is not None and not kept[1].startswith("__"):
            tables[current].append(camel_case(kept[1]))
        # The compiler's view, to know each enumerator's real value.
        if in_comment or line.startswith(("/*", "*", "//")) or not line:
            in_comment = (in_comment or line.startswith("/*")) and "*/" not in line
            continue
        enumerator = _C_ENUMERATOR.fullmatch(line)
        if enumerator is None:
            continue
        name = enumerator[1]
        if enumerator[2] is not None:
            computed = _c_value(enumerator[2], known)
            value = computed if computed is not None else value
        known[name] = value
        if name.startswith("__"):
            pass
        elif kept is None or kept[1].startswith("__"):
            why = "the line sets a value" if enumerator[2] else 'the line has more than "NAME,"'
            dropped[current].append((name, value, why))
        else:
            bit = len(tables[current]) - 1
            if bit != value:
                shifted[current].append((camel_case(name), bit, value))
        value += 1
    return HeaderTables(
        {key: tuple(names) for key, names in tables.items()},
        {key: tuple(names) for key, names in dropped.items()},
        {key: tuple(names) for key, names in shifted.items()},
    )
