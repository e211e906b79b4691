"""Options as the ``BPFDelegate*=`` settings a systemd release reads back to the same masks.

systemd sets bit *i* for the *i*-th name of its table, and its tables are not the kernel's
enums: since 258, ``BPFProgTypeNetfilter`` is bit 31, which every kernel reads as
``syscall``, and no word sets the kernel's netfilter bit (32). So each kernel bit is
written as the name systemd has **at that index**, whatever the kernel calls it; a bit
whose index has no name in the release's table cannot be written (only ``any`` covers it).

>>> from delegopts import parse
>>> from delegopts.systemd.tables import load
>>> options = parse("delegate_cmds=prog_load:map_create,delegate_progs=xdp", tiny_catalog)
>>> print("\\n".join(to_settings(options, load("262.1")).lines))
PrivateBPF=yes
PrivateUsers=yes
BPFDelegateCommands=BPFMapCreate,BPFProgLoad
BPFDelegatePrograms=BPFProgTypeXdp
"""

from __future__ import annotations

from dataclasses import dataclass

from delegopts.catalog import OptionKind
from delegopts.options import Options
from delegopts.systemd.model import other_kernel_name
from delegopts.systemd.tables import Release
from delegopts.systemd.units import SETTINGS

__all__ = ["Settings", "to_settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """The lines to write, what they cannot express, and what they mean other than they say."""

    lines: tuple[str, ...]
    lost: tuple[str, ...]
    notes: tuple[str, ...]
    #: The masks systemd will set from :attr:`lines` (all 64 bits for ``any``).
    masks: dict[OptionKind, int]


def to_settings(options: Options, release: Release) -> Settings:
    """``options``' masks as ``release`` reads them back, as closely as its tables allow."""
    # A token is never created in the initial user namespace: the service needs its own.
    lines = ["PrivateBPF=yes", "PrivateUsers=yes"]
    lost: list[str] = []
    notes: list[str] = []
    masks = dict.fromkeys(OptionKind, 0)
    for mask in options:
        kind = mask.kind
        if not mask:
            continue
        if mask.is_any:
            lines.append(f"{SETTINGS[kind]}=any")
            masks[kind] = (1 << 64) - 1
            continue
        words: list[str] = []
        unwritable: list[int] = []
        for bit in mask.bit_numbers():
            word = release.name(kind, bit)
            if word is None:
                unwritable.append(bit)
                continue
            words.append(word)
            masks[kind] |= 1 << bit
            kernel = other_kernel_name(mask.enum, bit, word)
            if kernel is not None:
                notes.append(
                    f"{word} is how {release} writes {kind.key} bit {bit}, which the kernel "
                    f"calls {kernel}"
                )
        if words:
            lines.append(f"{SETTINGS[kind]}=" + ",".join(words))
        for bit in unwritable:
            named = mask.enum.split(1 << bit)[0]
            called = f" ({named[0].name})" if named else ""
            lost.append(f"{kind.key} bit {bit}{called}: {release} has no word for it")
    for key, value in (("uid", options.uid), ("gid", options.gid)):
        if value:
            lost.append(f"{key}={value}: systemd mounts bpffs for the service's own user")
    return Settings(tuple(lines), tuple(lost), tuple(notes), masks)
