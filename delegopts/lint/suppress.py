"""Suppression and strictness, shared by every command that prints diagnostics.

``--ignore CODE`` (repeatable, or comma-separated) and ``# delegopts: ignore=CODE`` comments
name codes (``D101``) or slugs (``unknown-key``); :func:`parse_codes` reads them and
:func:`filter_suppressed` drops them. :class:`LintPolicy` decides the exit status: an
error always fails; with ``--strict`` a warning fails too; an info never does.

>>> codes = parse_codes(["D101,zero-mask"])
>>> sorted(code.value for code in codes)
['D101', 'D202']
>>> parse_codes(["D999"])
Traceback (most recent call last):
...
delegopts.lint.suppress.UnknownCodeError: unknown diagnostic code 'D999'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from delegopts.diagnostics import Code, Diagnostic, Severity
from delegopts.errors import DelegoptsError

__all__ = ["LintPolicy", "UnknownCodeError", "filter_suppressed", "parse_codes"]

_BY_NAME = {code.value.lower(): code for code in Code} | {code.slug: code for code in Code}


class UnknownCodeError(DelegoptsError, ValueError):
    """A code or slug in ``--ignore`` or an ignore comment that no rule has."""

    def __init__(self, text: str) -> None:
        close = difflib.get_close_matches(text.lower(), list(_BY_NAME), n=1, cutoff=0.6)
        self.text = text
        self.suggestion = _BY_NAME[close[0]].value if close else None
        hint = f"; did you mean {self.suggestion}?" if self.suggestion else ""
        super().__init__(f"unknown diagnostic code {text!r}{hint}")


def parse_codes(texts: Iterable[str]) -> frozenset[Code]:
    """Codes from ``--ignore`` values or comment text: ``D101``, ``unknown-key``, ``D101,D202``.

    Case and spaces around commas do not matter; an unknown name raises
    :class:`UnknownCodeError` (a ``ValueError``) with the closest known code.
    """
    codes: set[Code] = set()
    for text in texts:
        for part in text.split(","):
            name = part.strip()
            if not name:
                continue
            code = _BY_NAME.get(name.lower())
            if code is None:
                raise UnknownCodeError(name)
            codes.add(code)
    return frozenset(codes)


def filter_suppressed(
    diagnostics: Iterable[Diagnostic], codes: Iterable[Code | str]
) -> tuple[Diagnostic, ...]:
    """``diagnostics`` without those whose code is in ``codes`` (codes or their names)."""
    given = list(codes)
    wanted = {c for c in given if isinstance(c, Code)}
    wanted |= parse_codes(c for c in given if isinstance(c, str))
    return tuple(d for d in diagnostics if d.code not in wanted)


@dataclass(frozen=True, slots=True)
class LintPolicy:
    """``--ignore`` and ``--strict`` as one value: what to show, and what fails.

    >>> from delegopts.errors import Span
    >>> warning = Diagnostic(Code.ZERO_MASK, "'delegate_cmds=0' delegates nothing", Span(0, 15))
    >>> LintPolicy().fails([warning]), LintPolicy(strict=True).fails([warning])
    (False, True)
    >>> LintPolicy.from_args(["zero-mask"], strict=True).apply([warning])
    ()
    """

    ignore: frozenset[Code] = field(default_factory=frozenset)
    strict: bool = False

    @classmethod
    def from_args(cls, ignore: Iterable[str] | None = None, strict: bool = False) -> LintPolicy:
        """From the values of ``--ignore`` (each may hold commas) and ``--strict``."""
        return cls(parse_codes(ignore or ()), strict)

    def apply(self, diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
        """The diagnostics to show."""
        return filter_suppressed(diagnostics, self.ignore)

    def failing(self, diagnostic: Diagnostic) -> bool:
        """Whether this (shown) diagnostic makes the command fail."""
        if diagnostic.severity is Severity.ERROR:
            return True
        return self.strict and diagnostic.severity is Severity.WARNING

    def fails(self, diagnostics: Iterable[Diagnostic]) -> bool:
        """Whether any diagnostic left after :meth:`apply` makes the command fail."""
        return any(self.failing(d) for d in self.apply(diagnostics))
