"""What Incus and LXD have in common once their settings are read: building the option
string each hands the kernel with every character placed in the input, the findings about
one configuration, and the rules both follow (Go's trimming and truth, virtual machines,
what neither sets, libbpf's need for ``btf_load``).

>>> source = Source("k: a, b")
>>> a = Assembler(source)
>>> a.add_key("delegate_cmds", (0, 0, 1)); a.add_chars("a:b", [(0, 3), (0, 4), (0, 6)])
>>> a.found("f").options
'delegate_cmds=a:b'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from delegopts.diagnostics import Code, Diagnostic, Location
from delegopts.display import printable
from delegopts.errors import Span
from delegopts.formats._found import Builder, Found, Scan
from delegopts.formats._yamlpos import Source
from delegopts.formats.container import Config, Configs, Setting
from delegopts.options import Options
from delegopts.render import mode_shown

__all__ = [
    "BTF_LOAD_MESSAGE",
    "GO_SPACE",
    "TRUE_WORDS",
    "Assembler",
    "Notes",
    "finding",
    "key_where",
    "label",
    "lacks_btf_load",
    "mask_values",
    "owner_lost",
    "refused_on_vm",
    "scan_with",
    "trouble_findings",
    "value_where",
]


class Assembler:
    """Builds the bpffs data string a manager makes of settings, each char placed in the input.

    >>> source = Source("k: a, b")
    >>> a = Assembler(source)
    >>> a.add("delegate_cmds=", (0, 0, 1)); a.add_chars("a:b", [(0, 3), (0, 4), (0, 6)])
    >>> found = a.found("f")
    >>> found.options, found.locate(Span(16, 17))[2]
    ('delegate_cmds=a:b', Span(start=6, end=7))
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.chars: list[tuple[str, int, int]] = []

    def add(self, text: str, where: tuple[int, int, int]) -> None:
        """``text`` standing for columns ``[start, end)`` of a line: ``(line, start, end)``."""
        line, start, end = where
        width = max(end - start, 1)
        for position, char in enumerate(text):
            column = start + position * (width - 1) // max(len(text) - 1, 1)
            self.chars.append((char, line, column))

    def add_key(self, name: str, where: tuple[int, int, int]) -> None:
        """``name=`` for a manager's key at ``where``: the name spans the whole key."""
        line, start, end = where
        self.add(name, where)
        self.chars.append(("=", line, max(end - 1, start)))

    def add_chars(
        self, text: str, chars: list[tuple[int, int]] | tuple[tuple[int, int], ...]
    ) -> None:
        self.chars.extend(
            (char, line, column) for char, (line, column) in zip(text, chars, strict=True)
        )

    def found(self, path: str, end: tuple[int, int] | None = None, **extra: Any) -> Found:
        """The :class:`Found`; ``end`` is (line, column) just past the string in the input."""
        if end is None:
            _, line, column = self.chars[-1] if self.chars else ("", 0, -1)
            end = (line, column + 1)
        used = sorted({line for _, line, _ in self.chars} | {end[0]})
        index = {line: order for order, line in enumerate(used)}
        texts = self.source.lines
        builder = Builder([(line + 1, texts[line] if line < len(texts) else "") for line in used])
        for char, line, column in self.chars:
            builder.add_mapped(char, index[line], [column])
        return builder.found(path=path, end=(index[end[0]], end[1]), **extra)


def finding(
    code: Code,
    message: str,
    *,
    source: Source,
    path: str,
    where: tuple[int, int, int],
    fix: str | None = None,
) -> Diagnostic:
    """A finding on 0-based ``(line, start, end)`` of ``source``."""
    line, start, end = where
    text = source.lines[line] if line < len(source.lines) else ""
    span = Span(start, max(end, start + 1))
    return Diagnostic.at(code, message, Location(path, line + 1, text), span, fix)


def value_where(setting: Setting) -> tuple[int, int, int]:
    """The value's place on its first line, or where it would be written when empty."""
    if not setting.chars:
        return (setting.at[0], setting.at[1], setting.at[1] + 1)
    line = setting.chars[0][0]
    columns = [column for number, column in setting.chars if number == line]
    return (line, columns[0], columns[-1] + 1)


def key_where(setting: Setting) -> tuple[int, int, int]:
    return setting.key_at


class Notes:
    """The findings about one configuration, each on a setting's key or value."""

    def __init__(self, source: Source, path: str) -> None:
        self.source = source
        self.path = path
        self.items: list[Diagnostic] = []

    def __call__(
        self,
        code: Code,
        message: str,
        setting: Setting,
        fix: str | None = None,
        *,
        on_key: bool = False,
    ) -> None:
        where = key_where(setting) if on_key else value_where(setting)
        self.at(code, message, where, fix)

    def at(self, code: Code, message: str, where: tuple[int, int, int], fix: str | None) -> None:
        self.items.append(
            finding(code, message, source=self.source, path=self.path, where=where, fix=fix)
        )


def scan_with(
    configs: Configs, path: str, prefix: str, reader: Callable[[Config, Notes], Found | None]
) -> Scan:
    """What ``reader`` (one manager's rules) makes of each configuration with ``prefix`` keys."""
    problems = trouble_findings(configs, path)
    found = []
    for config in configs.configs:
        if not config.has_any((prefix,)):
            continue
        notes = Notes(configs.source, path)
        for trouble in config.troubles:
            where = (trouble.line, trouble.start, trouble.end)
            notes.at(Code.SYNTAX, trouble.message, where, trouble.fix)
        result = reader(config, notes)
        problems.extend(notes.items)
        if result is not None:
            found.append(result)
    return Scan.of(found, problems)


def trouble_findings(configs: Configs, path: str) -> list[Diagnostic]:
    """The input's own syntax errors (F101)."""
    return [
        finding(
            Code.SYNTAX,
            t.message,
            source=configs.source,
            path=path,
            where=(t.line, t.start, t.end),
            fix=t.fix,
        )
        for t in configs.troubles
    ]


#: Go's strings.TrimSpace: unicode.IsSpace (not Python's str.isspace: no \\x1c-\\x1f).
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
#: Go's IsTrue of Incus (shared/util) and LXD (shared): case-insensitive.
TRUE_WORDS = ("true", "1", "yes", "on")


def refused_on_vm(config: Config, prefix: str, code: Code, note: Notes) -> bool:
    """Whether ``config`` is a virtual machine's with ``prefix`` keys: both managers keep
    them for containers and refuse them there ('Unknown configuration key')."""
    if config.kind != "vm":
        return False
    key = next((s for k, s in config.settings.items() if k.startswith(prefix)), None)
    if key is None:
        return False
    message = f"{key.key!r} is refused on a virtual machine: the {prefix}* keys are for "
    message += "containers only ('Unknown configuration key')"
    note(code, message, key, "set them on a container", on_key=True)
    return True


def label(manager: str, config: Config) -> str:
    """``Incus instance c1, started at line 9``: what a configuration is, for the summary."""
    owner = {"instance": "instance", "vm": "virtual machine", "profile": "profile"}.get(
        config.kind, "settings"
    )
    name = f" {printable(config.name)}" if config.name else ""
    moment = f", {config.moment}" if config.moment else ""
    return f"{manager} {owner}{name} ({config.shape}){moment}"


def lacks_btf_load(value: str) -> bool:
    """Whether a delegate_cmds value names prog_load but not btf_load (no ``any``, no number).

    libbpf loads a program's BTF first (``BPF_BTF_LOAD``): with a token that lacks it, that
    call fails with EPERM, libbpf says "Kernel doesn't support BTF" and loads without it,
    and programs that need BTF fail. LXD's documented example (``prog_load:map_create``)
    does exactly this, next to an ``strace`` that shows the ``BPF_BTF_LOAD`` calls.

    >>> lacks_btf_load("prog_load:map_create"), lacks_btf_load("PROG_LOAD:btf_load")
    (True, False)
    """
    pieces = [piece.strip().lower() for piece in value.split(":")]
    if "any" in pieces or any(piece[:1].isdigit() or piece[:1] == "+" for piece in pieces):
        return False
    return "prog_load" in pieces and "btf_load" not in pieces


BTF_LOAD_MESSAGE = (
    "prog_load without btf_load: libbpf's BPF_BTF_LOAD with the token fails (EPERM), it "
    'reports "Kernel doesn\'t support BTF" and loads programs without BTF; those that need '
    "it fail"
)


def mask_values(options: Options, separator: str) -> list[tuple[str, str]]:
    """(key, value) of each delegate mask that grants something, written to read back exactly.

    Names are joined with ``separator``; bits no name covers go first as one number, which
    the kernel takes as the starting mask before OR-ing the names into it.
    """
    values: list[tuple[str, str]] = []
    for mask in options:
        if not mask:
            continue
        if mask.is_any:
            values.append((mask.kind.key, "any"))
            continue
        pieces = [f"{mask.leftover:#x}"] if mask.leftover else []
        values.append((mask.kind.key, separator.join([*pieces, *mask.names])))
    return values


def owner_lost(options: Options, manager: str) -> list[str]:
    """uid, gid and mode: neither manager sets them."""
    lost = [
        f"{key}={value}" for key, value in (("uid", options.uid), ("gid", options.gid)) if value
    ]
    if mode_shown(options.mode) != 0o777:
        lost.append(f"mode={mode_shown(options.mode):o}")
    return [f"{item}: {manager} never sets uid, gid or mode" for item in lost]
