"""Check one :class:`Found` option string for a kernel: every finding, placed in its file.

The kernel's refusal (:class:`~delegopts.errors.OptionError`), the parser's diagnostics and
the cross-option rules of :mod:`delegopts.lint` all become findings located on the source
line, minus the codes the user ignores.

>>> result = check_found(Found.plain("delegate_cmds=prog_lod", path="a", line=1), tiny_catalog)
>>> print(result.findings[0].render())  # doctest: +ELLIPSIS
a:1:15: error: EINVAL delegate_cmds: 'prog_lod' is not a command ... did you mean 'prog_load'?
  delegate_cmds=prog_lod
                ^^^^^^^^
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from delegopts._namedtuple import NamedTuple
from delegopts.catalog import Catalog
from delegopts.diagnostics import Code, Diagnostic
from delegopts.display import printable
from delegopts.errors import OptionError
from delegopts.formats._found import Found
from delegopts.options import Options

__all__ = ["Checked", "check_found", "refusal"]


class Checked(NamedTuple):
    """One option string checked: the options (None when refused) and the findings."""

    found: Found
    options: Options | None
    findings: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.options is not None


def refusal(error: OptionError, catalog: Catalog) -> Diagnostic:
    """The kernel's refusal as a finding; lint tells which spelling mistake it was (D3xx)."""
    from delegopts.lint import classify_error

    fix = f"did you mean '{error.suggestion}'?" if error.suggestion else None
    classified = classify_error(error, catalog)
    if classified is not None:
        message = f"{error.errno_name}: {classified.message}"
        return Diagnostic(classified.code, message, error.span, classified.fix or fix)
    code = Code.KERNEL_ERANGE if error.errno_name == "ERANGE" else Code.KERNEL_EINVAL
    return Diagnostic(code, error.message, error.span, fix)


def _managers_word(manager: str, options: str, refused: Diagnostic) -> Diagnostic:
    """When and how the manager says the kernel refuses a value, in its own words.

    Incus checks nothing when a value is set: the kernel's refusal stops the container,
    with incusd's message (``cmd/incusd/main_forkbpf.go``). LXD mounts a trial bpffs when a
    value is set and refuses it then (``shared/validate/validate_cgo.go``).
    """
    start = options.rfind(",", 0, refused.span.start) + 1
    end = options.find(",", refused.span.start)
    key, _, value = options[start : len(options) if end < 0 else end].partition("=")
    if manager == "LXD":
        message = (
            f"LXD refuses this value when it is set: 'Invalid {printable(key[9:])} option "
            f"value: {printable(value)}'"
        )
        return Diagnostic(Code.LXD_REFUSES, message, refused.span)
    out_of_range = refused.code is Code.KERNEL_ERANGE
    reason = "numerical result out of range" if out_of_range else "invalid argument"
    message = (
        f"Incus takes this value when it is set; the container then fails to start: "
        f"'Failed to set {printable(key)}={printable(value)} on bpf fs: {reason}'"
    )
    fix = "correct it before the container starts: Incus does not check it"
    return Diagnostic(Code.FAILS_AT_START, message, refused.span, fix)


def check_found(
    found: Found, catalog: Catalog, ignore: Iterable[Code] = (), *, lint: bool = True
) -> Checked:
    """Parse ``found`` for ``catalog``'s kernel; findings exclude ``ignore`` and its own."""
    skip = set(ignore) | found.ignore
    options, diagnostics = _analysed(found.options, catalog, lint)
    if options is None:
        refused = [found.place(diagnostics[0])]
        if found.manager is not None:
            word = _managers_word(found.manager, found.options, diagnostics[0])
            refused.append(found.place(word))
        return Checked(found, None, tuple(d for d in refused if d.code not in skip))
    findings: list[Diagnostic] = []
    for finding in (found.place(d) for d in diagnostics):
        if finding.code not in skip and finding not in findings:  # lint may repeat the parser's
            findings.append(finding)
    return Checked(found, options, tuple(findings))


@functools.lru_cache(maxsize=256)
def _analysed(
    text: str, catalog: Catalog, lint: bool
) -> tuple[Options | None, tuple[Diagnostic, ...]]:
    """What the kernel and lint make of ``text``: the options and their diagnostics, or None
    and the refusal, before they are placed in a file.

    Hosts and fleets repeat a few option strings thousands of times, and the answer depends
    on the string and the kernel alone (both immutable; a catalog is compared by identity),
    so each is analysed once per run; the bound keeps memory flat on inputs that never repeat.
    """
    from delegopts.semantics import parse

    try:
        options = parse(text, catalog)
    except OptionError as error:
        return None, (refusal(error, catalog),)
    if lint:
        from delegopts.lint import lint as run_lint  # imported when there is something to lint

        return options, tuple(run_lint(options))
    return options, tuple(options.diagnostics)
