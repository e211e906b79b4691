"""Where bpffs options are written, read with a Lark grammar each: :func:`scan` any of them.

Every format yields :class:`Found` option strings (what the kernel will get, mapped back to
file, line and column) and findings (:class:`~delegopts.diagnostics.Diagnostic`) about the
file itself.

>>> scan("fstab", "bpffs /sys/fs/bpf bpf delegate_maps=array 0 0", "fstab").found[0].options
'delegate_maps=array'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from delegopts.formats._found import Found, Scan

if TYPE_CHECKING:
    from delegopts.catalog import Catalog

__all__ = ["FORMATS", "Format", "Found", "Scan", "guess_format", "scan"]

#: The name of a format, as ``check``'s options use it.
Format = Literal["fstab", "mountinfo", "unit", "incus", "command"]
#: The formats ``check`` reads.
FORMATS: tuple[Format, ...] = ("fstab", "mountinfo", "unit", "incus", "command")


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


def scan(kind: Format, text: str, path: str, catalog: Catalog | None = None) -> Scan:
    """Read ``text`` (from ``path``) as ``kind``, one of :data:`FORMATS`."""
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
    if kind == "command":
        from delegopts.formats.cmdline import scan_command

        return scan_command(text, path)
    raise ValueError(f"unknown format {kind!r}: one of {', '.join(FORMATS)}")
