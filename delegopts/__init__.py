"""delegopts: the BPF token delegation options of bpffs, exactly as a kernel reads them.

The public names below are imported on first use, so ``import delegopts`` (and so
``delegopts --version``) costs almost nothing; see :func:`__getattr__`.

>>> catalog = tiny_catalog
>>> options = parse("delegate_cmds=prog_load:MAP_CREATE", catalog)
>>> str(options), options.cmds.names
('delegate_cmds=map_create:prog_load', ('map_create', 'prog_load'))
"""

from __future__ import annotations

from importlib import import_module

# Not typing.TYPE_CHECKING: importing typing (with re, enum, collections) would double the
# time ``delegopts --version`` takes in an installed package; mypy knows this name too.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from delegopts.catalog import Catalog, EnumCatalog, Name, OptionKind
    from delegopts.diagnostics import Code, Diagnostic, Severity
    from delegopts.errors import BTFError, DelegoptsError, OptionError, Span
    from delegopts.options import Mask, Options, Step
    from delegopts.semantics import parse, parse_mask

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Catalog": "catalog",
    "EnumCatalog": "catalog",
    "Name": "catalog",
    "OptionKind": "catalog",
    "Code": "diagnostics",
    "Diagnostic": "diagnostics",
    "Severity": "diagnostics",
    "BTFError": "errors",
    "DelegoptsError": "errors",
    "OptionError": "errors",
    "Span": "errors",
    "Mask": "model",
    "Options": "model",
    "Step": "model",
    "parse": "semantics",
    "parse_mask": "semantics",
}

__all__ = [
    "BTFError",
    "Catalog",
    "Code",
    "DelegoptsError",
    "Diagnostic",
    "EnumCatalog",
    "Mask",
    "Name",
    "OptionError",
    "OptionKind",
    "Options",
    "Severity",
    "Span",
    "Step",
    "__version__",
    "parse",
    "parse_mask",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'delegopts' has no attribute {name!r}")
    value = getattr(import_module(f"delegopts.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
