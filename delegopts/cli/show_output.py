"""How ``delegopts show`` writes the mounts: a readable layout, plain text, raw columns,
JSON, or the JSON of ``bpftool -j token list``.

Each mount is written as soon as it is read (memory does not grow with the host). Every
value from the data goes through :func:`~delegopts.display.printable`; the terminal
layout gets rich ``Text`` only, never markup.
"""

from __future__ import annotations

from delegopts.cli._common import IO, UsageError
from delegopts.display import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.catalog import Catalog

__all__ = ["COLUMNS", "SHOW_FORMATS", "open_output", "parse_columns"]

#: The values of ``show --format`` (a terminal gets its own layout by default).
SHOW_FORMATS = ("plain", "raw", "json", "jsonl", "bpftool")
_NOUNS = {
    "delegate_cmds": "commands",
    "delegate_maps": "maps",
    "delegate_progs": "programs",
    "delegate_attachs": "attachments",
}
#: ``--raw`` columns, as findmnt names its own: what each shows.
COLUMNS = ("target", "source", "id", "uid", "gid", "mode", "cmds", "maps", "progs", "attachs",
           "options", "warnings")  # fmt: skip
_DEFAULT_COLUMNS = ("target", "uid", "gid", "mode", "cmds", "maps", "progs", "attachs")


def parse_columns(text: str) -> tuple[str, ...]:
    """``-o`` columns: comma-separated names of :data:`COLUMNS`, any case."""
    names = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or not names:
        raise UsageError(
            f"delegopts show: -o: unknown column {printable(', '.join(unknown) or text)!r}; "
            f"columns: {', '.join(COLUMNS)}"
        )
    return names


def open_output(
    kind: str, io: IO, catalog: Catalog, source: str, columns: tuple[str, ...] | None
) -> _Output:
    if kind in ("json", "jsonl"):
        return _JsonOutput(io, catalog, source, lines=kind == "jsonl")
    if kind == "bpftool":
        return _BpftoolOutput(io)
    if kind == "raw":
        return _RawOutput(io, columns or _DEFAULT_COLUMNS)
    if kind == "terminal":
        return _TerminalOutput(io, catalog)
    return _PlainOutput(io, catalog)


def support(catalog: Catalog) -> str:
    if catalog.supports_delegation:
        return f"kernel {catalog.label}: BPF token delegation supported"
    return f"kernel {catalog.label}: no BPF token delegation (Linux 6.9 or later needed)"


def warnings(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(severity and code, message) of each warning worth showing (and the D501 summary)."""
    return [
        (f"{w['severity']}: {w['code']}", w["message"])
        for w in record["warnings"]
        if w["severity"] != "info" or w["code"] == "D501"
    ]


class _Output:
    def add(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _JsonOutput(_Output):
    """One document (or JSON Lines, a line a mount); the mounts written as they are read."""

    def __init__(self, io: IO, catalog: Catalog, source: str, *, lines: bool = False) -> None:
        from delegopts.cli._common import JsonStream

        context = {
            "delegation_supported": catalog.supports_delegation,
            "kernel": catalog.label,
            "source": source,
        }
        self.stream = JsonStream(io, "show", "mounts", context, lines=lines)

    def add(self, record: dict[str, Any]) -> None:
        self.stream.add(record)

    def close(self) -> None:
        self.stream.close()


class _BpftoolOutput(_Output):
    """What ``bpftool -j token list`` prints: the mounts with delegate options, each
    option's value from /proc/mounts split on ``:`` (``["any"]``, names, leftover hex)."""

    def __init__(self, io: IO) -> None:
        self.io, self.first = io, True
        io.out.write("[")

    def add(self, record: dict[str, Any]) -> None:
        if record["delegate"] is None:
            return
        shown = dict(
            piece.split("=", 1) for piece in (record["shown"] or "").split(",") if "=" in piece
        )
        if not any(key in shown for key in _NOUNS):
            return
        entry: dict[str, Any] = {"token_info": record["mount_point"]}
        for key in _NOUNS:
            value = shown.get(key, "")
            entry["allowed_" + key.removeprefix("delegate_")] = value.split(":") if value else []
        # bpftool's key order and separators (JSON is ASCII, as everywhere here)
        import json  # only JSON output needs it (start-up)

        text = json.dumps(entry, separators=(",", ":"), ensure_ascii=True)
        self.io.out.write(("" if self.first else ",") + text)
        self.first = False

    def close(self) -> None:
        self.io.out.write("]\n")


def _raw_value(text: str) -> str:
    """A field of a raw line: blanks and backslashes escaped as mountinfo does, '-' if empty."""
    escaped = "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in text)
    return printable(escaped) or "-"


class _RawOutput(_Output):
    """One line a mount, fields separated by one blank (``findmnt --raw``), a header first."""

    def __init__(self, io: IO, columns: tuple[str, ...]) -> None:
        self.io, self.columns = io, columns
        io.out.write(" ".join(name.upper() for name in columns) + "\n")

    def add(self, record: dict[str, Any]) -> None:
        delegate = record["delegate"] or {}
        owner = record["owner"] or {}

        def value(name: str) -> str:
            key = "delegate_" + name
            if key in _NOUNS:
                granted = delegate.get(key)
                if granted is None or granted["value"] == "nothing":
                    return ""
                return ":".join(granted["value"].split())
            return str({
                "target": record["mount_point"],
                "source": record["source"],
                "id": record["mount_id"] if record["mount_id"] is not None else "",
                "uid": owner.get("uid", ""),
                "gid": owner.get("gid", ""),
                "mode": record["mode"] or "",
                "options": record["shown"] if record["shown"] is not None else "",
                "warnings": len(warnings(record)),
            }[name])  # fmt: skip

        fields = [_raw_value(value(name)) for name in self.columns]
        self.io.out.write(" ".join(fields) + "\n")

    def close(self) -> None:
        pass


class _PlainOutput(_Output):
    def __init__(self, io: IO, catalog: Catalog) -> None:
        self.io, self.any = io, False
        io.out.write(printable(support(catalog)) + "\n")

    def add(self, record: dict[str, Any]) -> None:
        self.any = True
        out = self.io.out
        out.write(f"\n{printable(record['mount_point'])}\n")
        if record["delegate"] is None:
            out.write(f"  {'options':<12}{printable(record['options'])} (refused by this kernel)\n")
        else:
            owner = record["owner"]
            out.write(f"  {'owner':<12}uid {owner['uid']}, gid {owner['gid']}\n")
            out.write(f"  {'mode':<12}{record['mode']}\n")
            for key, granted in record["delegate"].items():
                out.write(f"  {_NOUNS[key]:<12}{granted['value']}\n")
        for head, message in warnings(record):
            out.write(f"  {head} {printable(message)}\n")

    def close(self) -> None:
        if not self.any:
            self.io.out.write("no bpffs mounts\n")


_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


class _TerminalOutput(_Output):
    """A block a mount, values wrapped by words to the terminal's width (80 columns stay
    readable): the mount point in bold, a column of labels, warnings with hanging indent."""

    def __init__(self, io: IO, catalog: Catalog) -> None:
        from rich.console import Console
        from rich.text import Text

        self.io, self.any = io, False
        self.console = Console(file=io.out, markup=False, emoji=False, highlight=False)
        self.console.print(Text(printable(support(catalog)), style="bold"))

    def add(self, record: dict[str, Any]) -> None:
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        self.any = True
        self.console.print()
        self.console.print(Text(printable(record["mount_point"]), style="bold"), overflow="fold")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(overflow="fold")
        if record["delegate"] is None:
            grid.add_row("options", Text(f"{printable(record['options'])} (refused by this "
                                         "kernel)", style="bold red"))  # fmt: skip
        else:
            owner = record["owner"]
            grid.add_row("owner", f"uid {owner['uid']}, gid {owner['gid']}")
            grid.add_row("mode", record["mode"])
            for key, granted in record["delegate"].items():
                grid.add_row(_NOUNS[key], Text(granted["value"]))
        for head, message in warnings(record):
            severity = head.split(":", 1)[0]
            grid.add_row(Text(head, style=_STYLES[severity]), Text(printable(message)))
        self.console.print(Padding(grid, (0, 0, 0, 2)))

    def close(self) -> None:
        if not self.any:
            self.console.print("no bpffs mounts")
