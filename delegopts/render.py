"""The kernel's rendering of bpffs options in /proc/mounts (``bpf_show_options``).

Order: ``uid`` and ``gid`` when not 0, ``mode`` when not 0777 (sticky bit masked off), then
each delegate option: bits outside the ``any`` mask dropped; nothing for 0; ``any`` for
the whole mask; else names in BTF declaration order (the first alias wins), each clearing
its bit, and whatever is left as one ``0x%llx`` piece.

>>> from delegopts.catalog import EnumCatalog, OptionKind
>>> cmds = EnumCatalog.build(OptionKind.CMDS, [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5),
...                                            ("__MAX_BPF_CMD", 6)])
>>> mask_value(cmds, 0b100001), mask_value(cmds, 0b111111), mask_value(cmds, 0b100010)
('map_create:prog_load', 'any', 'prog_load:0x2')
"""

from __future__ import annotations

from delegopts.catalog import EnumCatalog

__all__ = ["mask_value", "mode_shown", "scalar_pieces"]

S_ISVTX = 0o1000


def mask_value(enum: EnumCatalog, stored: int) -> str:
    """The value the kernel prints after ``delegate_X=`` for ``stored``; "" when nothing."""
    mask = stored & enum.any_mask
    if mask == 0:
        return ""
    if mask == enum.any_mask:
        return "any"
    names, leftover = enum.split(mask)
    pieces = [name.name for name in names]
    if leftover:
        pieces.append(f"{leftover:#x}")
    return ":".join(pieces)


def mode_shown(mode: int) -> int:
    """The mode ``bpf_show_options`` compares with 0777: sticky bit always set, so masked off."""
    return mode & 0o7777 & ~S_ISVTX


def scalar_pieces(uid: int, gid: int, mode: int) -> list[str]:
    """The ``uid=``, ``gid=`` and ``mode=`` pieces the kernel prints, in its order."""
    pieces: list[str] = []
    if uid != 0:
        pieces.append(f"uid={uid}")
    if gid != 0:
        pieces.append(f"gid={gid}")
    if mode_shown(mode) != 0o777:
        pieces.append(f"mode={mode_shown(mode):o}")
    return pieces
