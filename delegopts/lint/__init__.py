"""Lint: what a delegation really grants, and what the kernel silently does not do.

:func:`lint` returns the diagnostics the parse already made (1xx ignored, 2xx lost, 3xx
spelling) followed by the cross-option rules (4xx: delegation that cannot work) and the
risk rules (5xx: what the token grants). :data:`RULES` lists every rule with an example
(``--ignore``/``--strict`` are :mod:`delegopts.policy`'s); :func:`classify_error` gives a
code to a refused spelling (D302-D305).

>>> from delegopts import parse
>>> catalog = tiny_catalog
>>> for d in lint(parse("delegate_cmds=prog_load,delegate_maps=hash", catalog)):
...     print(d.headline())
warning: D404 'prog_load': prog_load is delegated but no program type is: every prog_load with the token is refused (column 15); add delegate_progs=... with the program types the workload uses
warning: D405 'prog_load': prog_load is delegated but no attach type is: every prog_load with the token is refused (column 15); add delegate_attachs=... with the attach types the workload uses
warning: D401 delegate_maps=hash is never used: delegate_cmds=prog_load lacks map_create (column 25); add map_create to delegate_cmds
info: D501 the token allows nothing: no command it gates is fully delegated (column 1)
"""  # noqa: E501

from __future__ import annotations

from delegopts.diagnostics import Code, Diagnostic
from delegopts.history import first_kernel_with
from delegopts.lint._where import where
from delegopts.lint.cannot_work import attach_rules, cannot_work
from delegopts.lint.risk import Summary, risk, summarize
from delegopts.lint.spelling import classify_error
from delegopts.options import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.lint.rules import RULES, Rule, rule_for

__all__ = [
    "RULES",
    "Rule",
    "Summary",
    "classify_error",
    "first_kernel_with",
    "is_risk",
    "lint",
    "rule_for",
    "summarize",
]


def is_risk(code: Code) -> bool:
    """Whether ``code`` is one of the risk rules (5xx), which describe rather than fault."""
    return code.value.startswith("D5")


def lint(options: Options) -> tuple[Diagnostic, ...]:
    """Every diagnostic about ``options``: the parse's own, then the cross-option rules."""
    found = where(options)
    cross = [*cannot_work(options, found), *attach_rules(options, found)]
    cross.sort(key=lambda d: (d.span.start, d.code.value))
    return (*options.diagnostics, *cross, *risk(options, found))


def __getattr__(name: str) -> Any:
    # The rule table (an example for every code) serves `delegopts rules` and the tests:
    # building it is left out of every check that only lints.
    if name in ("RULES", "Rule", "rule_for"):
        from delegopts.lint import rules

        return getattr(rules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
