"""Findings: one model for everything delegopts reports, whatever the command or input.

Each :class:`Diagnostic` has a stable :class:`Code`, a severity (the code's), a one-line
message naming the piece, the span of that piece, a fix (a phrase) where one exists, and,
once placed in an input file, a :class:`Location` (file, line, the line's text).

Codes: ``D1xx``-``D5xx`` are what the kernel does with an option string (parser and lint),
``D6xx`` how it compares with what BPF objects need (``check --for``),
``EINVAL``/``ERANGE`` the kernel's refusals, ``F1xx``-``F4xx`` what the tool that writes
the options (fstab, mount(8), systemd, Incus) does with the file.

>>> d = Diagnostic(Code.UNKNOWN_KEY, "unknown key 'delegate_cmd' is ignored",
...                Span(0, 12), "did you mean 'delegate_cmds'?")
>>> d.code.value, d.severity.value, d.column
('D101', 'warning', 1)
>>> print(d.located(Location("fstab", 3, "x delegate_cmd=any"), Span(2, 14)).render())
fstab:3:3: warning: D101 unknown key 'delegate_cmd' is ignored; did you mean 'delegate_cmds'?
  x delegate_cmd=any
    ^^^^^^^^^^^^
"""

from __future__ import annotations

import enum

from delegopts._namedtuple import NamedTuple
from delegopts.display import printable
from delegopts.errors import Span, caret_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


__all__ = ["Code", "Diagnostic", "Location", "Severity"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(enum.Enum):
    """Stable codes. ``D1xx``: silently ignored; ``D2xx``: silently lost; ``D3xx``:
    spelling; ``D4xx``: delegation that cannot work; ``D5xx``: what the token grants (risk);
    ``D6xx``: compared with what BPF objects need (``check --for``);
    ``EINVAL``/``ERANGE``: the kernel refuses the mount; ``F1xx``: fstab and mountinfo;
    ``F2xx``: systemd units; ``F3xx``: mount command lines; ``F4xx``: Incus and LXD.

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
    MISSING_FOR_OBJECTS = "D601"
    DEGRADED_FOR_OBJECTS = "D602"
    SURPLUS_FOR_OBJECTS = "D603"
    KERNEL_EINVAL = "EINVAL"
    KERNEL_ERANGE = "ERANGE"
    SYNTAX = "F101"
    FSTAB_FIELDS = "F102"
    NO_BPFFS_TYPE = "F103"
    MOUNTINFO_LINE = "F104"
    NO_OPTIONS = "F105"
    SYSTEMD_NAME = "F201"
    SYSTEMD_NO_PRIVATE_BPF = "F202"
    SYSTEMD_NO_PRIVATE_USERS = "F203"
    SYSTEMD_ANY_IN_LIST = "F204"
    SYSTEMD_REPLACED = "F205"
    SYSTEMD_RESET = "F206"
    SYSTEMD_SHIFTED = "F207"
    SYSTEMD_IGNORED = "F208"
    SYSTEMD_NOT_READ = "F209"
    COMMAND_QUOTES = "F301"
    NOT_MOUNT = "F302"
    OPTION_VALUE = "F303"
    NO_TYPE = "F304"
    OTHER_TYPE = "F305"
    INCUS_KEY = "F401"
    LXD_KEY = "F402"
    MANAGER_EMPTY = "F403"
    PRIVILEGED = "F404"
    FAILS_AT_START = "F405"
    BPFFS_PATH = "F406"
    LXD_NOT_ENABLED = "F407"
    LXD_COMMA = "F408"
    NO_BTF_LOAD = "F409"
    LXD_BOOLEAN = "F410"
    OTHER_MANAGER_KEY = "F411"
    REPEATED_KEY = "F412"
    LXD_REFUSES = "F413"
    LXD_REPEATED_KEY = "F414"

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
    Code.MISSING_FOR_OBJECTS: (
        "missing-for-objects",
        _E,
        "a bit the BPF objects need is not delegated: their load fails",
    ),
    Code.DEGRADED_FOR_OBJECTS: (
        "degraded-for-objects",
        _W,
        "a bit the BPF objects use is not delegated: they load, but libbpf silently does less",
    ),
    Code.SURPLUS_FOR_OBJECTS: (
        "surplus-for-objects",
        _W,
        "a delegated bit the BPF objects do not need",
    ),
    Code.KERNEL_EINVAL: ("kernel-refuses", _E, "the kernel refuses the mount (EINVAL)"),
    Code.KERNEL_ERANGE: ("number-out-of-range", _E, "a number the kernel refuses (ERANGE)"),
    Code.SYNTAX: ("syntax", _E, "a line its format's grammar does not accept"),
    Code.FSTAB_FIELDS: ("fstab-fields", _W, "an fstab entry with fewer than 3 fields"),
    Code.NO_BPFFS_TYPE: (
        "no-bpffs-type",
        _E,
        "'bpffs' written as the filesystem type: it is 'bpf'",
    ),
    Code.MOUNTINFO_LINE: ("mountinfo-line", _E, "a line that is not mountinfo"),
    Code.NO_OPTIONS: (
        "no-options",
        _I,
        "an input that holds no bpffs option string at all: nothing in it is checked",
    ),
    Code.SYSTEMD_NAME: (
        "systemd-name",
        _W,
        "a BPFDelegate*= word the systemd release does not know: it drops it, keeps the rest",
    ),
    Code.SYSTEMD_NO_PRIVATE_BPF: (
        "systemd-no-private-bpf",
        _W,
        "BPFDelegate*= without PrivateBPF=yes",
    ),
    Code.SYSTEMD_NO_PRIVATE_USERS: (
        "systemd-no-private-users",
        _W,
        "BPFDelegate*= without PrivateUsers=",
    ),
    Code.SYSTEMD_ANY_IN_LIST: (
        "systemd-any-in-list",
        _W,
        "'any' beside other words: systemd takes it only as the whole value, and drops it",
    ),
    Code.SYSTEMD_REPLACED: (
        "systemd-replaced",
        _W,
        "a later BPFDelegate*= assignment replaces an earlier one (drop-ins too): they do not "
        "add up",
    ),
    Code.SYSTEMD_RESET: (
        "systemd-reset",
        _W,
        "a BPFDelegate*= value with no word systemd knows sets the setting to 0",
    ),
    Code.SYSTEMD_SHIFTED: (
        "systemd-shifted",
        _W,
        "a systemd name whose bit the kernel calls by another name (BPFProgTypeNetfilter is "
        "the kernel's syscall)",
    ),
    Code.SYSTEMD_IGNORED: (
        "systemd-ignored",
        _W,
        "a BPFDelegate*= value ending in a backslash, or a PrivateBPF=/PrivateUsers= value "
        "systemd cannot parse: systemd ignores the assignment",
    ),
    Code.SYSTEMD_NOT_READ: (
        "systemd-not-read",
        _W,
        "a BPFDelegate*= line systemd does not read: wrong section, or the key's case",
    ),
    Code.COMMAND_QUOTES: ("command-quotes", _E, "a command line that cannot be split into words"),
    Code.NOT_MOUNT: ("not-mount", _E, "a command line that is not a mount command"),
    Code.OPTION_VALUE: ("option-value", _E, "a mount option without its value"),
    Code.NO_TYPE: ("no-type", _W, "a mount command without '-t bpf'"),
    Code.OTHER_TYPE: ("other-type", _I, "a mount command for another filesystem, left alone"),
    Code.INCUS_KEY: ("incus-key", _E, "a security.bpffs.* key Incus does not have: refused"),
    Code.LXD_KEY: ("lxd-key", _E, "a security.delegate_bpf.* key LXD does not have: refused"),
    Code.MANAGER_EMPTY: (
        "manager-empty",
        _I,
        "a delegate key the manager hands nothing of to the kernel",
    ),
    Code.PRIVILEGED: (
        "privileged",
        _W,
        "a privileged container: Incus mounts no bpffs; LXD's mount yields no token",
    ),
    Code.FAILS_AT_START: (
        "fails-at-start",
        _I,
        "Incus takes any value when it is set: one the kernel refuses fails at container start",
    ),
    Code.BPFFS_PATH: ("bpffs-path", _E, "security.bpffs.path not absolute: Incus refuses it"),
    Code.LXD_NOT_ENABLED: (
        "lxd-not-enabled",
        _W,
        "security.delegate_bpf.* types without security.delegate_bpf=true: no bpffs is mounted",
    ),
    Code.LXD_COMMA: (
        "lxd-comma",
        _E,
        "',' in an LXD value: LXD hands it to the kernel whole, which refuses it (EINVAL)",
    ),
    Code.NO_BTF_LOAD: (
        "no-btf-load",
        _W,
        "prog_load without btf_load: libbpf's BTF load fails, programs load without BTF",
    ),
    Code.LXD_BOOLEAN: (
        "lxd-boolean",
        _E,
        "security.delegate_bpf that is not a boolean: LXD refuses it",
    ),
    Code.OTHER_MANAGER_KEY: (
        "other-manager-key",
        _E,
        "an LXD key in an Incus configuration, or an Incus key in an LXD one: refused",
    ),
    Code.REPEATED_KEY: (
        "repeated-key",
        _E,
        "a key written twice in one YAML map: Incus refuses the document",
    ),
    Code.LXD_REFUSES: (
        "lxd-refuses",
        _I,
        "LXD tries a value on a trial bpffs when it is set: one the kernel refuses is refused",
    ),
    Code.LXD_REPEATED_KEY: (
        "lxd-repeated-key",
        _W,
        "a key written twice in one YAML map: LXD keeps the last one and drops the other silently",
    ),
}


class Location(NamedTuple):
    """Where in an input file a finding is: the file (or ``<argument 1>``, ``<stdin>``),
    the 1-based line number and that line's text (shown under the finding)."""

    path: str
    line: int
    text: str


class Diagnostic(NamedTuple):
    """One finding about one piece of the input.

    ``span`` is in the option string, or, once :attr:`location` is set, in that line.
    """

    code: Code
    message: str
    span: Span
    fix: str | None = None
    location: Location | None = None

    @classmethod
    def at(
        cls,
        code: Code,
        message: str,
        location: Location,
        span: Span,
        fix: str | None = None,
    ) -> Diagnostic:
        """A finding about ``span`` of the line at ``location``."""
        return cls(code, message, span, fix, location)

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def path(self) -> str:
        return self.location.path if self.location else ""

    @property
    def line(self) -> int:
        return self.location.line if self.location else 0

    def located(self, location: Location, span: Span) -> Diagnostic:
        """The same finding placed at ``span`` of the line at ``location``."""
        return self._replace(span=span, location=location)

    def headline(self) -> str:
        """One line: where, severity, code, message and fix (what is not printable in
        them, escaped: file names and messages quote the input)."""
        fix = f"; {printable(self.fix)}" if self.fix else ""
        head = f"{self.severity.value}: {self.code.value} {printable(self.message)}"
        if self.location is None:
            return f"{head} (column {self.column}){fix}"
        where = f"{printable(self.location.path)}:{self.location.line}:{self.column}: "
        return f"{where if self.location.path else ''}{head}{fix}"

    def render(self) -> str:
        """The headline and, when located, the source line with carets under the span."""
        if self.location is None:
            return self.headline()
        return f"{self.headline()}\n{caret_lines(self.location.text, self.span)}"

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "code": self.code.value,
            "name": self.code.slug,
            "severity": self.severity.value,
            "message": self.message,
            "column": self.column,
            "end_column": self.span.end + 1,
            "fix": self.fix,
        }
        if self.location is not None:
            document |= {
                "file": self.location.path,
                "line": self.location.line,
                "source": self.location.text,
            }
        return document
