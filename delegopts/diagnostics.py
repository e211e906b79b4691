"""Diagnostics: what the kernel does with an option string that its author may not expect.

Each diagnostic has a stable :class:`Code` (``D101``...), a severity, a one-line message
naming the piece, the span of that piece and a fix (a phrase) where one exists.

>>> d = Diagnostic(Code.UNKNOWN_KEY, "unknown key 'delegate_cmd' is ignored",
...                Span(0, 12), "did you mean 'delegate_cmds'?")
>>> d.code.value, d.severity.value, d.column
('D101', 'warning', 1)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from delegopts.errors import Span

__all__ = ["Code", "Diagnostic", "Severity"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(enum.Enum):
    """Stable codes. 1xx: silently ignored; 2xx: silently lost; 3xx: spelling;
    4xx: delegation that cannot work; 5xx: what the token grants (risk).

    Each member's value is its code; :attr:`slug`, :attr:`severity` and :attr:`summary`
    come from the table below.
    """

    UNKNOWN_KEY = "D101"
    KEY_NOT_IN_KERNEL = "D102"
    VFS_FLAG = "D103"
    EMPTY_KEY = "D104"
    EMPTY_PIECE = "D105"
    TRUNCATED = "D106"
    NUMBER_REPLACES = "D201"
    ZERO_MASK = "D202"
    BITS_OUT_OF_RANGE = "D203"
    OCTAL = "D204"
    VALUE_WRAPS = "D205"
    REPEATED_SCALAR = "D206"
    MODE_BITS_DROPPED = "D207"
    ALIAS = "D301"
    NEWER_NAME = "D302"
    OTHER_OPTION_NAME = "D303"
    PREFIX_KEPT = "D304"
    ANY_CASE = "D305"
    MAPS_WITHOUT_MAP_CREATE = "D401"
    PROGS_WITHOUT_PROG_LOAD = "D402"
    ATTACHS_WITHOUT_PROG_LOAD = "D403"
    PROG_LOAD_WITHOUT_PROGS = "D404"
    PROG_LOAD_WITHOUT_ATTACHS = "D405"
    MAP_CREATE_WITHOUT_MAPS = "D406"
    NO_DELEGATE_CMDS = "D407"
    PROG_TYPE_UNLOADABLE = "D408"
    DEFAULT_ATTACH_MISSING = "D409"
    STRUCT_OPS_ATTACHS = "D410"
    TOKEN_SUMMARY = "D501"
    READS_KERNEL = "D502"
    ANY_EVERYWHERE = "D503"
    TOKEN_CREATE = "D504"
    CMD_NOT_GATED = "D505"

    @property
    def slug(self) -> str:
        return _CODES[self][0]

    @property
    def severity(self) -> Severity:
        return _CODES[self][1]

    @property
    def summary(self) -> str:
        return _CODES[self][2]


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
_CODES: dict[Code, tuple[str, Severity, str]] = {
    Code.UNKNOWN_KEY: ("unknown-key", _W, "bpffs ignores keys it does not know, without a word"),
    Code.KEY_NOT_IN_KERNEL: (
        "key-not-in-kernel",
        _W,
        "a bpffs key of newer kernels that the target kernel ignores",
    ),
    Code.VFS_FLAG: ("vfs-flag", _I, "a generic mount flag, handled by the VFS and not by bpffs"),
    Code.EMPTY_KEY: ("empty-key", _W, "a piece with nothing before '=' is skipped"),
    Code.EMPTY_PIECE: ("empty-piece", _I, "an empty piece between commas is skipped"),
    Code.TRUNCATED: ("truncated", _W, "mount(2) reads at most 4095 bytes, up to the first NUL"),
    Code.NUMBER_REPLACES: (
        "number-replaces",
        _W,
        "a number replaces the mask built so far: names before it are lost",
    ),
    Code.ZERO_MASK: ("zero-mask", _W, "the value delegates nothing"),
    Code.BITS_OUT_OF_RANGE: (
        "bits-out-of-range",
        _W,
        "bits above the kernel's range are stored, never shown, never used",
    ),
    Code.OCTAL: ("octal", _W, "a leading 0 makes a number octal"),
    Code.VALUE_WRAPS: (
        "value-wraps",
        _W,
        "an enumerator of 64 or more sets bit (value mod 64) on x86-64",
    ),
    Code.REPEATED_SCALAR: ("repeated-scalar", _W, "uid, gid and mode: the last one wins"),
    Code.MODE_BITS_DROPPED: (
        "mode-bits-dropped",
        _W,
        "mode keeps only 07777, and the sticky bit is always set",
    ),
    Code.ALIAS: ("alias", _I, "an alias: the kernel shows the first name declared for its bit"),
    Code.NEWER_NAME: (
        "name-on-newer-kernel",
        _E,
        "a name only newer kernels know: this kernel refuses the mount (EINVAL)",
    ),
    Code.OTHER_OPTION_NAME: (
        "name-of-other-option",
        _E,
        "a name of another delegate option: refused (EINVAL)",
    ),
    Code.PREFIX_KEPT: ("prefix-kept", _E, "a name written with its enum prefix: refused (EINVAL)"),
    Code.ANY_CASE: ("any-case", _E, "'any' is matched case-sensitively: 'ANY' is refused (EINVAL)"),
    Code.MAPS_WITHOUT_MAP_CREATE: (
        "maps-without-map-create",
        _W,
        "delegate_maps without map_create in delegate_cmds: no map can be created",
    ),
    Code.PROGS_WITHOUT_PROG_LOAD: (
        "progs-without-prog-load",
        _W,
        "delegate_progs without prog_load in delegate_cmds: no program can be loaded",
    ),
    Code.ATTACHS_WITHOUT_PROG_LOAD: (
        "attachs-without-prog-load",
        _W,
        "delegate_attachs without prog_load in delegate_cmds: attach types are only checked "
        "when loading",
    ),
    Code.PROG_LOAD_WITHOUT_PROGS: (
        "prog-load-without-progs",
        _W,
        "prog_load without any delegated program type: every load is refused",
    ),
    Code.PROG_LOAD_WITHOUT_ATTACHS: (
        "prog-load-without-attachs",
        _W,
        "prog_load without any delegated attach type: every load is refused",
    ),
    Code.MAP_CREATE_WITHOUT_MAPS: (
        "map-create-without-maps",
        _W,
        "map_create without any delegated map type: every map creation is refused",
    ),
    Code.NO_DELEGATE_CMDS: (
        "no-delegate-cmds",
        _W,
        "delegate options without delegate_cmds: the token allows no command",
    ),
    Code.PROG_TYPE_UNLOADABLE: (
        "prog-type-unloadable",
        _W,
        "a program type none of whose attach types is delegated: it never loads",
    ),
    Code.DEFAULT_ATTACH_MISSING: (
        "default-attach-missing",
        _I,
        "a program type loads only when the loader names an attach type: the default "
        "(0, cgroup_inet_ingress) is not delegated",
    ),
    Code.STRUCT_OPS_ATTACHS: (
        "struct-ops-attachs",
        _W,
        "struct_ops programs use the struct member index as attach type: delegate_attachs "
        "needs 'any'",
    ),
    Code.TOKEN_SUMMARY: ("token-summary", _I, "what a token from this mount lets a container do"),
    Code.READS_KERNEL: (
        "reads-kernel",
        _W,
        "program types that read kernel memory or attach system-wide",
    ),
    Code.ANY_EVERYWHERE: (
        "any-everywhere",
        _W,
        "'any' on all four options: everything the kernel can delegate",
    ),
    Code.TOKEN_CREATE: (
        "token-create",
        _I,
        "token_create in delegate_cmds: no kernel checks it, a token comes from the mount",
    ),
    Code.CMD_NOT_GATED: (
        "cmd-not-gated",
        _I,
        "a command the kernel never checks against a token: delegating it changes nothing",
    ),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about one piece of the input."""

    code: Code
    message: str
    span: Span
    fix: str | None = None

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def column(self) -> int:
        return self.span.column

    def headline(self) -> str:
        fix = f"; {self.fix}" if self.fix else ""
        return (
            f"{self.severity.value}: {self.code.value} {self.message} (column {self.column}){fix}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "name": self.code.slug,
            "severity": self.severity.value,
            "message": self.message,
            "column": self.column,
            "end_column": self.span.end + 1,
            "fix": self.fix,
        }
