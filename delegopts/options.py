"""Immutable value objects: one delegate :class:`Mask` and a whole :class:`Options` set.

``str()`` of either is the kernel's rendering. Equality and hashing use the meaning (the
bits the kernel keeps and uses), not the spelling or bits it drops.

>>> from delegopts.catalog import EnumCatalog, OptionKind
>>> cmds = EnumCatalog.build(OptionKind.CMDS, [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5),
...                                            ("__MAX_BPF_CMD", 6)])
>>> mask = Mask(OptionKind.CMDS, (1 << 5) | (1 << 63), cmds)
>>> str(mask), mask.names, hex(mask.dropped)
('prog_load', ('prog_load',), '0x8000000000000000')
>>> mask == Mask(OptionKind.CMDS, 1 << 5, cmds)
True
"""

from __future__ import annotations

from collections.abc import Iterator

from delegopts._frozen import Frozen
from delegopts._namedtuple import NamedTuple
from delegopts.catalog import Catalog, EnumCatalog, Name, OptionKind
from delegopts.diagnostics import Diagnostic
from delegopts.errors import Span
from delegopts.render import mask_value, mode_shown, scalar_pieces

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal


__all__ = ["Mask", "Options", "Step"]


class Mask(Frozen):
    """One delegate option's mask as the kernel stores it (``bits``, 64 bits)."""

    __slots__ = ("bits", "enum", "kind")
    _shown = ("kind", "bits")
    _fields = ("kind", "bits", "enum")

    kind: OptionKind
    bits: int
    enum: EnumCatalog

    def __init__(self, kind: OptionKind, bits: int, enum: EnumCatalog) -> None:
        init = object.__setattr__
        init(self, "kind", kind)
        init(self, "bits", bits)
        init(self, "enum", enum)

    @property
    def any_mask(self) -> int:
        return self.enum.any_mask

    @property
    def effective(self) -> int:
        """The bits the kernel shows and checks: ``bits & any_mask``."""
        return self.bits & self.enum.any_mask

    @property
    def dropped(self) -> int:
        """Bits stored but outside the kernel's range: never shown, never effective."""
        return self.bits & ~self.enum.any_mask

    @property
    def is_any(self) -> bool:
        return self.effective == self.enum.any_mask

    @property
    def shown(self) -> tuple[Name, ...]:
        """The names printed, in the kernel's order (empty for ``any`` and 0)."""
        if self.is_any or not self.effective:
            return ()
        return self.enum.split(self.effective)[0]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name.name for name in self.shown)

    @property
    def leftover(self) -> int:
        """Effective bits that no name covers (printed as hex)."""
        if self.is_any:
            return 0
        return self.enum.split(self.effective)[1]

    def granted(self) -> tuple[Name, ...]:
        """Every name whose bit is effective, aliases included, in declaration order."""
        return tuple(name for name in self.enum.names if self.effective >> name.bit & 1)

    def bit_numbers(self) -> list[int]:
        return [bit for bit in range(64) if self.effective >> bit & 1]

    def __contains__(self, name: object) -> bool:
        found = self.enum.lookup(name) if isinstance(name, str) else None
        return found is not None and bool(self.effective >> found.bit & 1)

    def __bool__(self) -> bool:
        return self.effective != 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mask):
            return NotImplemented
        return (self.kind, self.effective) == (other.kind, other.effective)

    def __hash__(self) -> int:
        return hash((self.kind, self.effective))

    def __str__(self) -> str:
        return mask_value(self.enum, self.bits)

    def to_json(self) -> dict[str, Any]:
        return {
            "value": str(self),
            "bits": f"{self.bits:#x}",
            "effective": f"{self.effective:#x}",
            "dropped": f"{self.dropped:#x}",
            "any": self.is_any and self.effective != 0,
            "names": list(self.names),
            "granted": [name.name for name in self.granted()],
            "leftover": f"{self.leftover:#x}",
        }


if TYPE_CHECKING:
    #: How a piece changed a mask: ``any``, a name's bit, or a number that replaced the mask.
    Action = Literal["any", "name", "number"]
else:
    Action = str  # what an Action is at run time (typing stays unimported: start-up)


class Step(NamedTuple):
    """How one piece ``[start, end)`` of a delegate value changed the mask (for ``explain``).

    A named tuple: one is made for every item of every parsed string.
    """

    kind: OptionKind
    text: str
    start: int
    end: int
    action: Action
    name: Name | None
    before: int
    after: int

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class Options(Frozen):
    """A parsed option string: what the kernel stores for it, as the root user mounts it.

    ``uid``/``gid`` default to the mounting user's (0 for root), ``mode`` to 0777.
    """

    __slots__ = (
        "attachs", "catalog", "cmds", "diagnostics", "gid", "maps", "mode", "progs",
        "source", "steps", "uid",
    )  # fmt: skip
    _shown = ("cmds", "maps", "progs", "attachs", "uid", "gid", "mode", "source", "diagnostics")
    _fields = ("catalog", "cmds", "maps", "progs", "attachs", "uid", "gid", "mode", "source",
               "diagnostics", "steps")  # fmt: skip

    catalog: Catalog
    cmds: Mask
    maps: Mask
    progs: Mask
    attachs: Mask
    uid: int
    gid: int
    mode: int
    source: str
    diagnostics: tuple[Diagnostic, ...]
    steps: tuple[Step, ...]

    def __init__(  # noqa: PLR0917 - the fields in order, as the dataclass it was took them
        self,
        catalog: Catalog,
        cmds: Mask,
        maps: Mask,
        progs: Mask,
        attachs: Mask,
        uid: int = 0,
        gid: int = 0,
        mode: int = 0o777,
        source: str = "",
        diagnostics: tuple[Diagnostic, ...] = (),
        steps: tuple[Step, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "catalog", catalog)
        init(self, "cmds", cmds)
        init(self, "maps", maps)
        init(self, "progs", progs)
        init(self, "attachs", attachs)
        init(self, "uid", uid)
        init(self, "gid", gid)
        init(self, "mode", mode)
        init(self, "source", source)
        init(self, "diagnostics", diagnostics)
        init(self, "steps", steps)

    def __getitem__(self, kind: OptionKind) -> Mask:
        return self.masks()[kind]

    def masks(self) -> dict[OptionKind, Mask]:
        return {
            OptionKind.CMDS: self.cmds,
            OptionKind.MAPS: self.maps,
            OptionKind.PROGS: self.progs,
            OptionKind.ATTACHS: self.attachs,
        }

    def __iter__(self) -> Iterator[Mask]:
        return iter(self.masks().values())

    def _meaning(self) -> tuple[Any, ...]:
        return (self.uid, self.gid, mode_shown(self.mode), *self.masks().values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Options):
            return NotImplemented
        return self._meaning() == other._meaning()

    def __hash__(self) -> int:
        return hash(self._meaning())

    def __str__(self) -> str:
        """The filesystem part of the /proc/mounts options field, without a leading comma."""
        pieces = scalar_pieces(self.uid, self.gid, self.mode)
        if "delegate_cmds" in self.catalog.keys:
            for mask in (self.cmds, self.maps, self.progs, self.attachs):
                if mask.bits:
                    value = str(mask)
                    if value:
                        pieces.append(f"{mask.kind.key}={value}")
        return ",".join(pieces)

    def to_json(self) -> dict[str, Any]:
        return {
            "options": str(self),
            "uid": self.uid,
            "gid": self.gid,
            "mode": f"{mode_shown(self.mode):04o}",
            "delegate": {mask.kind.key: mask.to_json() for mask in self},
        }
