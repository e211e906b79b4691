"""delegopts: the BPF token delegation options of bpffs, exactly as a kernel reads them.

>>> from delegopts._btfwriter import write_btf, EnumSpec, StructSpec
>>> catalog = Catalog.from_bytes(write_btf([
...     EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5), ("__MAX_BPF_CMD", 6)]),
...     StructSpec("bpf_mount_opts", ["mode", "delegate_cmds", "delegate_maps",
...                                   "delegate_progs", "delegate_attachs"])]))
>>> options = parse("delegate_cmds=prog_load:MAP_CREATE", catalog)
>>> str(options), options.cmds.names
('delegate_cmds=map_create:prog_load', ('map_create', 'prog_load'))
"""

from delegopts.catalog import Catalog, EnumCatalog, Name, OptionKind
from delegopts.diagnostics import Code, Diagnostic, Severity
from delegopts.errors import BTFError, DelegoptsError, OptionError, Span
from delegopts.model import Mask, Options, Step
from delegopts.semantics import parse, parse_mask

__version__ = "0.1.0"

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
