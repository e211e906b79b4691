"""Generated option strings that probe every corner of the kernel's parser.

Used by the differential test against the live kernel, the snapshot tests and bench/.
The same seed and catalog give the same strings.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from delegopts.catalog import Catalog, OptionKind

_UNKNOWN_KEYS = ["foo", "delegate_cmd", "DELEGATE_CMDS", "Delegate_Maps", "delegate_prog",
                 "delegate-cmds", "delegate_cmds ", " uid", "UID", "noexec", "nosuid", "defaults",
                 "x-systemd.automount", "size", "context"]  # fmt: skip
_VFS_FLAGS = ["ro", "rw", "sync", "async", "dirsync", "lazytime", "nolazytime", "nomand"]
_NUMBERS = ["0", "1", "0x1", "0X1F", "0x3", "010", "07", "08", "0x", "0xg", "+5", "+", "-1",
            " 1", "1 ", "1e3", "0b1", "1\n", "0x1\n", "\n", "00", "0x0", "18446744073709551615",
            "18446744073709551616", "0xffffffffffffffff", "0x10000000000000000",
            "99999999999999999999999x", "0x8000000000000000", "0x4000000000", "4294967296",
            "0777", "1777", "0o7"]  # fmt: skip
_IDS = ["0", "1", "1000", "0x10", "010", "4294967294", "4294967295", "4294967296", "-1", "",
        "abc", "+7", "08", "1\n", " 5", "65534"]  # fmt: skip
_MODES = ["0755", "755", "0700", "1777", "17777", "7777", "0", "8", "0x1ff", "-1", "", "+644",
          "0644\n", "37777777777", "40000000000", "0o755", "+"]  # fmt: skip


def _random_case(rng: random.Random, text: str) -> str:
    mode = rng.randrange(4)
    if mode == 0:
        return text.lower()
    if mode == 1:
        return text.upper()
    if mode == 2:
        return text
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def _item(rng: random.Random, catalog: Catalog, kind: OptionKind) -> str:
    enum = catalog[kind]
    roll = rng.random()
    if roll < 0.45 and enum.names:
        return _random_case(rng, rng.choice(enum.names).name)
    if roll < 0.52:
        other = catalog[rng.choice([k for k in OptionKind if k is not kind])]
        return rng.choice(other.names).name if other.names else "kprobe"
    if roll < 0.56 and enum.names:
        return rng.choice(enum.names).declared
    if roll < 0.60 and enum.names:
        aliased = [n for n in enum.names if enum.shown_as(n) is not n]
        return rng.choice(aliased or list(enum.names)).name
    if roll < 0.68:
        return rng.choice(["any", "any", "ANY", "Any", "aNy"])
    if roll < 0.75:
        return rng.choice(["", "prog_lod", "map", "load", "xdp_", "bpf_", "__max_bpf_cmd",
                           "max_bpf_cmd", "__MAX_BPF_ATTACH_TYPE"])  # fmt: skip
    if roll < 0.85:
        return rng.choice(_NUMBERS)
    return hex(rng.getrandbits(rng.choice([8, 16, 40, 64])))


def _delegate(rng: random.Random, catalog: Catalog) -> str:
    kind = rng.choice(list(OptionKind))
    count = rng.choice([1, 1, 1, 2, 2, 3, 4])
    return f"{kind.key}=" + ":".join(_item(rng, catalog, kind) for _ in range(count))


def _piece(rng: random.Random, catalog: Catalog) -> str:
    roll = rng.random()
    if roll < 0.62:
        return _delegate(rng, catalog)
    if roll < 0.69:
        return f"uid={rng.choice(_IDS)}"
    if roll < 0.74:
        return f"gid={rng.choice(_IDS)}"
    if roll < 0.80:
        return f"mode={rng.choice(_MODES)}"
    if roll < 0.88:
        key = rng.choice(_UNKNOWN_KEYS)
        return key if rng.random() < 0.4 else f"{key}=any"
    if roll < 0.92:
        return rng.choice(_VFS_FLAGS)
    if roll < 0.95:
        return rng.choice(["", "=any", "=", "uid", "delegate_cmds", "delegate_maps="])
    if roll < 0.97:
        return rng.choice(["source=x", "source"])
    enum = catalog[OptionKind.CMDS]
    return rng.choice(enum.names).name if enum.names else "prog_load"


def option_strings(catalog: Catalog, count: int, seed: int = 1) -> Iterator[str]:
    """``count`` option strings: mostly 1-4 pieces, now and then a very long one."""
    rng = random.Random(seed)
    for index in range(count):
        if index % 500 == 499:  # past the 4095 bytes mount(2) passes on
            names = [n.name for n in catalog[OptionKind.ATTACHS].names] or ["xdp"]
            yield "delegate_attachs=" + ":".join(rng.choice(names) for _ in range(300))
            continue
        yield ",".join(_piece(rng, catalog) for _ in range(rng.choice([1, 1, 2, 2, 3, 4])))
