"""What to show and what fails: ``--ignore``, ignore comments and ``--strict``, for every
command and for the library.

``--ignore CODE`` (repeatable, or comma-separated) and ``# delegopts: ignore=CODE`` comments
name codes (``D101``, ``F202``, ``EINVAL``) or their names (``unknown-key``);
:func:`parse_codes` reads them and :func:`ignored_codes` finds them in a comment.
:class:`Policy` decides: an error always fails; with ``--strict`` a warning fails too; an
info never does.

>>> sorted(code.value for code in parse_codes(["D101,zero-mask", "f202"]))
['D101', 'D202', 'F202']
>>> parse_codes(["D999"])
Traceback (most recent call last):
...
delegopts.policy.UnknownCodeError: unknown code 'D999'; 'delegopts rules' lists them
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from delegopts._namedtuple import NamedTuple
from delegopts.diagnostics import Code, Diagnostic, Severity
from delegopts.errors import DelegoptsError

__all__ = [
    "Policy",
    "UnknownCodeError",
    "filter_suppressed",
    "ignored_codes",
    "parse_codes",
]

_BY_NAME = {code.value.lower(): code for code in Code} | {code.slug: code for code in Code}


class UnknownCodeError(DelegoptsError, ValueError):
    """A code or name in ``--ignore``, ``rules`` or an ignore comment that no rule has."""

    def __init__(self, text: str) -> None:
        import difflib  # only a mistyped code needs it

        close = difflib.get_close_matches(text.lower(), list(_BY_NAME), n=1, cutoff=0.6)
        self.text = text
        self.suggestion = _BY_NAME[close[0]].value if close else None
        hint = (
            f"did you mean {self.suggestion}?"
            if self.suggestion
            else "'delegopts rules' lists them"
        )
        super().__init__(f"unknown code {text!r}; {hint}")


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


_COMMENT = re.compile(r"#\s*delegopts:\s*ignore=([A-Za-z0-9_,\s-]+)")


def ignored_codes(text: str) -> frozenset[Code]:
    """The codes a ``# delegopts: ignore=CODE[,CODE]`` comment in ``text`` names.

    An unknown code in a comment ignores nothing and breaks nothing.

    >>> sorted(code.value for code in ignored_codes("# delegopts: ignore=D101, zero-mask, D9"))
    ['D101', 'D202']
    >>> ignored_codes("# just a comment")
    frozenset()
    """
    match = _COMMENT.search(text)
    if match is None:
        return frozenset()
    parts = match.group(1).split(",")
    return frozenset(_BY_NAME[p.strip().lower()] for p in parts if p.strip().lower() in _BY_NAME)


def filter_suppressed(
    diagnostics: Iterable[Diagnostic], codes: Iterable[Code | str]
) -> tuple[Diagnostic, ...]:
    """``diagnostics`` without those whose code is in ``codes`` (codes or their names)."""
    given = list(codes)
    wanted = {c for c in given if isinstance(c, Code)}
    wanted |= parse_codes(c for c in given if isinstance(c, str))
    return tuple(d for d in diagnostics if d.code not in wanted)


class Policy(NamedTuple):
    """``--ignore`` and ``--strict`` as one value: what to show, and what fails.

    >>> from delegopts.errors import Span
    >>> warning = Diagnostic(Code.ZERO_MASK, "'delegate_cmds=0' delegates nothing", Span(0, 15))
    >>> Policy().fails([warning]), Policy(strict=True).fails([warning])
    (False, True)
    >>> Policy.from_args(["zero-mask"], strict=True).apply([warning])
    ()
    """

    ignore: frozenset[Code] = frozenset()
    strict: bool = False

    @classmethod
    def from_args(cls, ignore: Iterable[str] | None = None, strict: bool = False) -> Policy:
        """From the values of ``--ignore`` (each may hold commas) and ``--strict``."""
        return cls(parse_codes(ignore or ()), strict)

    def apply(self, diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
        """The diagnostics to show."""
        return filter_suppressed(diagnostics, self.ignore)

    def shows(self, diagnostic: Diagnostic) -> bool:
        """Whether ``diagnostic`` is shown (its code is not ignored)."""
        return diagnostic.code not in self.ignore

    def failing(self, diagnostic: Diagnostic) -> bool:
        """Whether this (shown) diagnostic makes the command fail."""
        if diagnostic.severity is Severity.ERROR:
            return True
        return self.strict and diagnostic.severity is Severity.WARNING

    def fails(self, diagnostics: Iterable[Diagnostic]) -> bool:
        """Whether any diagnostic left after :meth:`apply` makes the command fail."""
        return any(self.failing(d) for d in self.apply(diagnostics))
