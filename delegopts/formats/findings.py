"""Check one :class:`Found` option string for a kernel: every finding, placed in its file.

The kernel's refusal (:class:`~delegopts.errors.OptionError`), the parser's diagnostics and
the cross-option rules of :mod:`delegopts.lint` all become
:class:`Problem` records on the source line, minus the codes the user ignores.

>>> from delegopts.btf.writer import write_btf, EnumSpec, StructSpec
>>> from delegopts.catalog import Catalog
>>> catalog = Catalog.from_bytes(write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0),
...     ("BPF_PROG_LOAD", 5), ("__MAX_BPF_CMD", 6)]), StructSpec("bpf_mount_opts",
...     ["uid", "gid", "mode", "delegate_cmds", "delegate_maps", "delegate_progs",
...      "delegate_attachs"])]))
>>> result = check_found(Found.plain("delegate_cmds=prog_lod", path="a", line=1), catalog)
>>> print(result.problems[0].render())  # doctest: +ELLIPSIS
a:1:15: error: EINVAL delegate_cmds: 'prog_lod' is not a command ... did you mean 'prog_load'?
  delegate_cmds=prog_lod
                ^^^^^^^^
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from delegopts.catalog import Catalog
from delegopts.diagnostics import Diagnostic
from delegopts.errors import OptionError
from delegopts.formats._source import Found, Problem
from delegopts.options import Options

__all__ = ["Checked", "check_found", "lint_diagnostics", "problem_of"]


@dataclass(frozen=True, slots=True)
class Checked:
    """One option string checked: the options (None when refused) and the problems."""

    found: Found
    options: Options | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.options is not None


def lint_diagnostics(options: Options) -> tuple[Diagnostic, ...]:
    """What :func:`delegopts.lint.lint` says: the parser's diagnostics and its own rules."""
    from delegopts.lint import lint  # imported when a command has options to lint

    return tuple(lint(options))


def problem_of(found: Found, diagnostic: Diagnostic) -> Problem:
    """A parser or lint diagnostic, placed on the source line ``found`` comes from."""
    number, text, span = found.locate(diagnostic.span)
    code = diagnostic.code.value if hasattr(diagnostic.code, "value") else str(diagnostic.code)
    return Problem(
        diagnostic.severity.value,
        str(code),
        diagnostic.message,
        found.path,
        number,
        text,
        span,
        diagnostic.fix,
    )


def _refusal(found: Found, error: OptionError, catalog: Catalog) -> Problem:
    """The kernel's refusal; lint, when there, tells which spelling mistake it was (D3xx)."""
    number, text, span = found.locate(error.span)
    fix = f"did you mean '{error.suggestion}'?" if error.suggestion else None
    classified = _classify(error, catalog)
    if classified is not None:
        message = f"{error.errno_name}: {classified.message}"
        return Problem(
            "error",
            classified.code.value,
            message,
            found.path,
            number,
            text,
            span,
            classified.fix or fix,
        )
    return Problem("error", error.errno_name, error.message, found.path, number, text, span, fix)


def _classify(error: OptionError, catalog: Catalog) -> Diagnostic | None:
    from delegopts.lint import classify_error

    return classify_error(error, catalog)


def check_found(
    found: Found, catalog: Catalog, ignore: Iterable[str] = (), *, lint: bool = True
) -> Checked:
    """Parse ``found`` for ``catalog``'s kernel; problems exclude ``ignore`` and its own."""
    from delegopts.semantics import parse

    skip = {code.upper() for code in ignore} | found.ignore
    try:
        options = parse(found.options, catalog)
    except OptionError as error:
        return Checked(found, None, (_refusal(found, error, catalog),))
    diagnostics = lint_diagnostics(options) if lint else options.diagnostics
    problems: list[Problem] = []
    for problem in (problem_of(found, d) for d in diagnostics):
        if problem.code not in skip and problem not in problems:  # lint may repeat the parser's
            problems.append(problem)
    return Checked(found, options, tuple(problems))
