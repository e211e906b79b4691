"""Where bpffs options are written, read with a Lark grammar each: :func:`scan` any of them.

Every format yields :class:`Found` option strings (what the kernel will get, mapped back to
file, line and column) and findings (:class:`~delegopts.diagnostics.Diagnostic`) about the
file itself.

>>> scan("fstab", "bpffs /sys/fs/bpf bpf delegate_maps=array 0 0", "fstab").found[0].options
'delegate_maps=array'
"""

from __future__ import annotations

from delegopts.errors import Span
from delegopts.formats._found import Found, Scan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    from delegopts.catalog import Catalog
    from delegopts.diagnostics import Diagnostic

__all__ = [
    "FORMATS",
    "Format",
    "Found",
    "Scan",
    "detect_format",
    "guess_format",
    "nothing_found",
    "scan",
]

if TYPE_CHECKING:
    #: The name of a format, as ``check``'s options use it.
    Format = Literal["fstab", "mountinfo", "unit", "incus", "lxd", "command"]
else:
    Format = str  # what a Format is at run time (typing stays unimported: start-up)
#: The formats ``check`` reads.
FORMATS: tuple[Format, ...] = ("fstab", "mountinfo", "unit", "incus", "lxd", "command")


def guess_format(path: str) -> Format | None:
    """The format a file's name suggests, or None.

    >>> guess_format("/etc/systemd/system/sys-fs-bpf-token.mount"), guess_format("/etc/fstab")
    ('unit', 'fstab')
    """
    name = path.rsplit("/", 1)[-1]
    if name.endswith((".mount", ".service", ".socket", ".swap", ".conf")):
        return "unit"
    if "fstab" in name:
        return "fstab"
    if "mountinfo" in name or name in ("mounts", "mtab"):
        return "mountinfo"
    if "incus" in name or name.endswith((".yaml", ".yml")):
        return "incus"
    return None


def detect_format(text: str, path: str) -> Format | None:
    """The format of a file: what its content says, else what its name suggests.

    >>> detect_format("lxc config set c1 security.delegate_bpf=true", "notes.txt")
    'lxd'
    """
    from delegopts.formats.sniff import sniff

    sniffed = sniff(text)
    if sniffed is not None:
        return sniffed
    return guess_format(path)


def scan(kind: Format, text: str, path: str, catalog: Catalog | None = None) -> Scan:
    """Read ``text`` (from ``path``) as ``kind``, one of :data:`FORMATS`.

    An input with no option string and nothing to say about it says so (F105).
    """
    result = _scan(kind, text, path, catalog)
    if result.found or result.findings:
        return result
    lines = text.splitlines()
    first = next(((n, line) for n, line in enumerate(lines, 1) if line.strip()), (1, ""))
    return Scan.of((), (nothing_found(kind, path, first, result.skipped),))


def nothing_found(kind: Format, path: str, first: tuple[int, str], skipped: int) -> Diagnostic:
    """F105 on the ``first`` (number, text) non-blank line of an input without options."""
    from delegopts.diagnostics import Code
    from delegopts.formats._found import finding

    what = {
        "incus": "no security.bpffs.delegate_* key",
        "lxd": "no security.delegate_bpf key",
        "unit": "no PrivateBPF=, BPFDelegate*= or bpf mount",
        "command": "no bpf mount",
    }
    message = f"{what.get(kind, 'no bpffs entry')} in this {_NAMES[kind]}: nothing is checked"
    if skipped:
        message += f" ({skipped} other filesystem{'s' if skipped != 1 else ''})"
    fix = "check the file, or the format it is read as (--fstab, --unit, --incus, --lxd...)"
    if kind in ("incus", "lxd"):  # an instance's profiles hold keys its own config lacks
        client = "incus" if kind == "incus" else "lxc"
        fix = f"profiles' keys show with '{client} config show --expanded'"
    number, line = first
    span = Span(0, max(len(line.rstrip()), 1))
    return finding(Code.NO_OPTIONS, message, path, number, line, span, fix)


_NAMES = {"fstab": "fstab", "mountinfo": "mount table", "unit": "unit", "incus":
          "Incus configuration", "lxd": "LXD configuration", "command": "command line"}  # fmt: skip


def _scan(kind: Format, text: str, path: str, catalog: Catalog | None) -> Scan:
    if kind == "fstab":
        from delegopts.formats.fstab import scan_fstab

        return scan_fstab(text, path)
    if kind == "mountinfo":
        from delegopts.formats.mountinfo import scan_mounts

        return scan_mounts(text, path)[0]
    if kind == "unit":
        from delegopts.catalog import Catalog
        from delegopts.formats.systemd import scan_unit

        if catalog is None:
            catalog = Catalog.running_kernel()
        return scan_unit(text, path, catalog)
    if kind == "incus":
        from delegopts.formats.incus import scan_incus

        return scan_incus(text, path)
    if kind == "lxd":
        from delegopts.formats.lxd import scan_lxd

        return scan_lxd(text, path)
    if kind == "command":
        from delegopts.formats.cmdline import scan_command

        return scan_command(text, path)
    raise ValueError(f"unknown format {kind!r}: one of {', '.join(FORMATS)}")
