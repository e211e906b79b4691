"""How ``delegopts check`` writes what it found: text, JSON, SARIF or GitHub annotations.

Every report is written as the inputs are checked (nothing but counts, the findings
about the files themselves for JSON, and the codes seen for SARIF are kept), and closed
once with whether the run failed.
"""

from __future__ import annotations

from delegopts.cli._common import IO, json_text
from delegopts.display import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.catalog import Catalog
    from delegopts.diagnostics import Code, Diagnostic
    from delegopts.formats.findings import Checked

__all__ = ["REPORT_FORMATS", "open_report"]

#: The values of ``check --format``.
REPORT_FORMATS = ("text", "json", "jsonl", "sarif", "github")


def open_report(kind: str, io: IO, catalog: Catalog) -> _Report:
    """The report ``check --format KIND`` writes."""
    if kind in ("json", "jsonl"):
        return _JsonReport(io, catalog, lines=kind == "jsonl")
    if kind == "sarif":
        return _SarifReport(io)
    if kind == "github":
        return _GithubReport(io)
    return _TextReport(io)


class _Report:
    def add(self, findings: list[Diagnostic], results: list[Checked]) -> None:
        raise NotImplementedError

    def close(self, failed: bool) -> None:
        raise NotImplementedError


class _TextReport(_Report):
    """Findings in file order (file, line, column), each entry's summary after its findings;
    counts, not findings, are kept for the last line."""

    def __init__(self, io: IO) -> None:
        self.io = io
        self.counts = {"error": 0, "warning": 0, "info": 0}
        self.checked = 0

    def add(self, findings: list[Diagnostic], results: list[Checked]) -> None:
        from delegopts.diagnostics import Diagnostic

        # A unit's batch spans its drop-ins: order by file (the unit's own first), then line.
        linted = [f for r in results for f in r.findings]
        files: dict[str, int] = {}
        for path in [r.found.path for r in results] + [f.path for f in [*findings, *linted]]:
            files.setdefault(path, len(files))
        events: list[tuple[tuple[int, int, int, int], Diagnostic | Checked]] = []
        for finding in [*findings, *linted]:
            events.append(((files[finding.path], finding.line, 0, finding.column), finding))
        for result in results:
            events.append(((files[result.found.path], result.found.line, 1, 0), result))
        for _, event in sorted(events, key=lambda item: item[0]):
            if isinstance(event, Diagnostic):
                self.io.err.write(event.render() + "\n")
                self.counts[event.severity.value] += 1
            elif event.options is not None:
                shown = str(event.options) or "(nothing shown)"
                where = f"{event.found.path}:{event.found.line}" if event.found.path else ""
                self.io.out.write(printable(f"{where}: {event.found.what}: {shown}") + "\n")
        self.checked += len(results)

    def close(self, failed: bool) -> None:
        counts = self.counts.items()
        summary = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts if n)
        self.io.err.write(
            f"{self.checked} option string{'s' if self.checked != 1 else ''} checked"
            f"{': ' + summary if summary else ', no findings'}\n"
        )


class _JsonReport(_Report):
    """One JSON document (or JSON Lines), written as the inputs are checked: each input as
    soon as it is checked; the findings about the files themselves (``problems``) are kept
    for the end (with ``lines``, each is a line of its own as it comes)."""

    def __init__(self, io: IO, catalog: Catalog, *, lines: bool = False) -> None:
        from delegopts.cli._common import JsonStream

        self.lines = lines
        self.stream = JsonStream(io, "check", "inputs", {"kernel": catalog.label}, lines=lines)
        self.problems: list[dict[str, Any]] = []

    def add(self, findings: list[Diagnostic], results: list[Checked]) -> None:
        for finding in findings:
            if self.lines:
                self.stream.add({"problem": finding.to_json()})
            else:
                self.problems.append(finding.to_json())
        for r in results:
            self.stream.add({
                "file": r.found.path,
                "line": r.found.line,
                "what": r.found.what,
                "target": r.found.target,
                "input": r.found.options,
                "ok": r.ok,
                "shown": None if r.options is None else str(r.options),
                "options": None if r.options is None else r.options.to_json(),
                "problems": [f.to_json() for f in r.findings],
            })  # fmt: skip

    def close(self, failed: bool) -> None:
        self.stream.close(ok=not failed, problems=self.problems)


_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str | None:
    """A SARIF artifact URI for a file name; None for ``<argument 1>`` and ``<stdin>``."""
    from urllib.parse import quote

    if not path or path.startswith("<"):
        return None
    return quote(path.encode("utf-8", "surrogateescape"))


class _SarifReport(_Report):
    """SARIF 2.1.0: one run, its results written as they come, then the tool with a rule
    for every code used (keys in the order the schema's readers expect does not matter,
    but results first lets them be streamed)."""

    def __init__(self, io: IO) -> None:
        self.io = io
        self.first = True
        self.codes: dict[Code, None] = {}
        io.out.write('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", '
                     '"runs": [{"results": [')  # fmt: skip

    def add(self, findings: list[Diagnostic], results: list[Checked]) -> None:
        for finding in [*findings, *(f for r in results for f in r.findings)]:
            self.codes[finding.code] = None
            self.io.out.write(("" if self.first else ", ") + json_text(self._result(finding)))
            self.first = False

    @staticmethod
    def _result(finding: Diagnostic) -> dict[str, Any]:
        text = finding.message + (f"; {finding.fix}" if finding.fix else "")
        result: dict[str, Any] = {
            "ruleId": finding.code.value,
            "level": _LEVELS[finding.severity.value],
            "message": {"text": text},
        }
        uri = _uri(finding.path)
        if uri is not None:
            region = {
                "startLine": max(finding.line, 1),
                "startColumn": finding.column,
                "endColumn": max(finding.span.end + 1, finding.column + 1),
            }
            result["locations"] = [
                {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}
            ]
        return result

    def close(self, failed: bool) -> None:
        from delegopts import __version__

        rules = [
            {
                "id": code.value,
                "name": code.slug,
                "shortDescription": {"text": code.summary},
                "defaultConfiguration": {"level": _LEVELS[code.severity.value]},
            }
            for code in self.codes
        ]
        driver = {"name": "delegopts", "version": __version__, "rules": rules}
        self.io.out.write(f'], "tool": {json_text({"driver": driver})}}}], "version": "2.1.0"}}\n')


def _annotation(text: str, *, property: bool = False) -> str:
    """Text escaped as GitHub's workflow commands read it; other control characters, which
    the runner's log would take as terminal sequences, as %XX (GitHub decodes only %25,
    %0D, %0A, %3A and %2C, so a file name holding one no longer matches its file)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if not text.isprintable():
        text = "".join(char if char.isprintable() else f"%{ord(char):02X}" for char in text)
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


class _GithubReport(_Report):
    """GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` a finding,
    placed on the file, line and columns, so a pull request shows it on the line."""

    def __init__(self, io: IO) -> None:
        self.io = io

    def add(self, findings: list[Diagnostic], results: list[Checked]) -> None:
        levels = {"error": "error", "warning": "warning", "info": "notice"}
        for finding in [*findings, *(f for r in results for f in r.findings)]:
            where = [f"title={_annotation(finding.code.value, property=True)}"]
            if _uri(finding.path) is not None:
                where[:0] = [
                    f"file={_annotation(finding.path, property=True)}",
                    f"line={max(finding.line, 1)}",
                    f"col={finding.column}",
                    f"endColumn={max(finding.span.end + 1, finding.column + 1)}",
                ]
            text = finding.message + (f"; {finding.fix}" if finding.fix else "")
            message = _annotation(printable(text))
            self.io.out.write(f"::{levels[finding.severity.value]} {','.join(where)}::{message}\n")

    def close(self, failed: bool) -> None:
        pass
