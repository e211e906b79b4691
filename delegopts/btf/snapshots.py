"""BTF snapshots of real kernels shipped in ``data/btf`` (package ``delegopts.btfdata``),
and :func:`slim`, which makes one from a kernel's full BTF.

A snapshot holds exactly what delegopts reads: the four enums bpffs looks names up in
(``bpf_cmd``, ``bpf_map_type``, ``bpf_prog_type``, ``bpf_attach_type``), each with every
enumerator in declaration order, and the member names of ``struct bpf_mount_opts``.
It is valid BTF that bpftool reads, a few KB instead of 5 MB.

>>> from delegopts.btf.writer import write_btf, EnumSpec, StructSpec
>>> from delegopts.btf.reader import BTF
>>> full = BTF.from_bytes(write_btf([
...     EnumSpec("other", [("X", 1)]),
...     EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("__MAX_BPF_CMD", 1)]),
...     StructSpec("bpf_mount_opts", ["mode"])]))
>>> small = BTF.from_bytes(slim(full))
>>> small.find_enum("other"), small.struct_members("bpf_mount_opts")
(None, ('mode',))
>>> version_key("6.12.107") < version_key("6.18.44") < version_key("7.2.13")
True
"""

from __future__ import annotations

import re
from importlib import resources

from delegopts.btf.reader import BTF
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf
from delegopts.errors import BTFError

__all__ = ["ENUM_NAMES", "MOUNT_OPTS", "available", "load", "newest", "slim", "version_key"]

ENUM_NAMES = ("bpf_cmd", "bpf_map_type", "bpf_prog_type", "bpf_attach_type")
MOUNT_OPTS = "bpf_mount_opts"
_PACKAGE = "delegopts.btfdata"
_SUFFIX = ".btf"


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for kernel versions: ``6.12.107`` -> ``(6, 12, 107)``."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def available() -> tuple[str, ...]:
    """The versions of the shipped snapshots, oldest first."""
    names = [
        entry.name[: -len(_SUFFIX)]
        for entry in resources.files(_PACKAGE).iterdir()
        if entry.name.endswith(_SUFFIX)
    ]
    return tuple(sorted(names, key=version_key))


def newest() -> str | None:
    """The newest shipped snapshot's version, or None if none is shipped."""
    versions = available()
    return versions[-1] if versions else None


def load(version: str) -> bytes:
    """The raw BTF of the snapshot for ``version``; BTFError naming the shipped ones if absent."""
    versions = available()
    if version not in versions:
        import difflib

        close = difflib.get_close_matches(version, versions, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise BTFError(
            f"no snapshot for kernel {version}: shipped are {', '.join(versions) or 'none'}{hint}",
            source=f"--kernel {version}",
        )
    return resources.files(_PACKAGE).joinpath(version + _SUFFIX).read_bytes()


def slim(btf: BTF) -> bytes:
    """A minimal valid BTF holding only the four enums and ``struct bpf_mount_opts``.

    Each enum keeps its kind, size, signedness and enumerators in order, so a catalog
    read from the result equals one read from ``btf``.
    """
    specs: list[EnumSpec | StructSpec] = []
    for name in ENUM_NAMES:
        found = btf.find_enum(name)
        if found is not None:
            pairs = [(item.name, item.value) for item in found.enumerators]
            specs.append(EnumSpec(name, pairs, size=found.size, signed=found.signed))
    members = btf.struct_members(MOUNT_OPTS)
    if members is not None:
        specs.append(StructSpec(MOUNT_OPTS, members))
    if not specs:
        raise BTFError(
            "none of the four bpffs enums nor struct bpf_mount_opts is in this BTF: "
            "is it a kernel's vmlinux BTF?",
            source=btf.source,
        )
    return write_btf(specs, big_endian=btf.big_endian)
