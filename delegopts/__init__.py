"""delegopts: the BPF token delegation options of bpffs, exactly as a kernel reads them.

The public API: a target kernel's :class:`Catalog` (``Catalog.running_kernel()``,
``Catalog.snapshot("6.12.107")``, ``Catalog.from_source(path)``); :func:`parse` an option
string into :class:`Options`; :func:`lint_options` (the package ``delegopts.lint`` holds
the rules); check files with :func:`check_file`, :func:`check_text` and
:func:`check_options`; convert with :func:`to_systemd` and :func:`to_incus`;
:class:`Policy` for ignored codes and strictness. Every finding is a :class:`Diagnostic`;
every error a :class:`DelegoptsError`. The names are imported on first use, so
``import delegopts`` (and ``delegopts --version``) costs almost nothing.

>>> catalog = tiny_catalog
>>> options = parse("delegate_cmds=prog_load:MAP_CREATE", catalog)
>>> str(options), options.cmds.names
('delegate_cmds=map_create:prog_load', ('map_create', 'prog_load'))
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing (with re, enum, collections) would double the
# time ``delegopts --version`` takes in an installed package; mypy knows this name too.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.catalog import Catalog, EnumCatalog, Name, OptionKind
    from delegopts.checking import Report, check_file, check_options, check_text
    from delegopts.diagnostics import Code, Diagnostic, Location, Severity
    from delegopts.errors import BTFError, DelegoptsError, InputError, OptionError, Span
    from delegopts.formats.incus import to_incus
    from delegopts.formats.systemd import to_systemd
    from delegopts.lint import lint as lint_options
    from delegopts.options import Mask, Options, Step
    from delegopts.policy import Policy, UnknownCodeError, parse_codes
    from delegopts.semantics import parse, parse_mask

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Catalog": "catalog",
    "EnumCatalog": "catalog",
    "Name": "catalog",
    "OptionKind": "catalog",
    "Report": "checking",
    "check_file": "checking",
    "check_options": "checking",
    "check_text": "checking",
    "Code": "diagnostics",
    "Diagnostic": "diagnostics",
    "Location": "diagnostics",
    "Severity": "diagnostics",
    "BTFError": "errors",
    "DelegoptsError": "errors",
    "InputError": "errors",
    "OptionError": "errors",
    "Span": "errors",
    "to_incus": "formats.incus",
    "to_systemd": "formats.systemd",
    "lint_options": "lint",
    "Mask": "options",
    "Options": "options",
    "Step": "options",
    "Policy": "policy",
    "UnknownCodeError": "policy",
    "parse_codes": "policy",
    "parse": "semantics",
    "parse_mask": "semantics",
}

#: exported names that their module defines under another name
_DEFINED_AS = {"lint_options": "lint"}

__all__ = [
    "BTFError",
    "Catalog",
    "Code",
    "DelegoptsError",
    "Diagnostic",
    "EnumCatalog",
    "InputError",
    "Location",
    "Mask",
    "Name",
    "OptionError",
    "OptionKind",
    "Options",
    "Policy",
    "Report",
    "Severity",
    "Span",
    "Step",
    "UnknownCodeError",
    "__version__",
    "check_file",
    "check_options",
    "check_text",
    "lint_options",
    "parse",
    "parse_codes",
    "parse_mask",
    "to_incus",
    "to_systemd",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'delegopts' has no attribute {name!r}")
    from importlib import import_module  # not at the top: --version would pay for it

    value = getattr(import_module(f"delegopts.{module}"), _DEFINED_AS.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
