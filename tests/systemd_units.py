"""Generated systemd units for the differential tests: sequences of BPFDelegate*= assignments
over a main file and drop-ins, with what systemd does silently (repeats, empty values, unknown
words, ``any`` in lists, blanks, numbers, case, escapes, continuations, comments, odd sections
and headers that stop the file)."""

from __future__ import annotations

import random

from delegopts.catalog import OptionKind
from delegopts.systemd.tables import load
from delegopts.systemd.units import SETTINGS

__all__ = ["generate"]


def _word(rng: random.Random, kind: OptionKind, release: str) -> str:
    names = load(release).names(kind)
    other = load(release).names(rng.choice(list(OptionKind)))
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(names)
    if roll < 0.62:
        return rng.choice(other)  # a name of another option
    if roll < 0.68:
        return rng.choice(names).lower()
    if roll < 0.72:
        return "any"
    if roll < 0.76:
        return rng.choice(["5", "0x1", "31", "prog_load", "BPF_PROG_LOAD", "xdp", "-1", ":"])
    if roll < 0.80:
        return rng.choice(["BPFProgTypeSyscall", "BPFProgRun", "BPFMapTypeCgroupStorage"])
    if roll < 0.84:
        return rng.choice([" ", "\t"]) + rng.choice(names)
    if roll < 0.87:
        return rng.choice(names) + rng.choice([" ", "\t", "\\", "\\\\"])
    if roll < 0.90:
        name = rng.choice(names)
        cut = rng.randrange(len(name))
        return name[:cut] + "\\" + name[cut:]
    if roll < 0.93:
        return rng.choice(names)[:-1]
    return rng.choice(["bogus", "ANY", "Any", "BPFMapcreate", "é", "BPFMapCreate:BPFProgLoad"])


def _value(rng: random.Random, kind: OptionKind, release: str) -> str:
    roll = rng.random()
    if roll < 0.08:
        return ""
    if roll < 0.14:
        return "any"
    if roll < 0.17:
        return rng.choice([" any", "any ", ",any", "any,", "\\any"])
    count = rng.choice([1, 1, 2, 2, 3, 4, 6])
    words = [_word(rng, kind, release) for _ in range(count)]
    value = words[0]
    for word in words[1:]:
        value += rng.choice([",", ",", ",", ",,", ", ", " ,", "\\,"]) + word
    if rng.random() < 0.05:
        value = rng.choice([",", ",,"]) + value
    if rng.random() < 0.05:
        value += ","
    return value


def _line(rng: random.Random, release: str) -> str:
    roll = rng.random()
    if roll < 0.72:
        kind = rng.choice(list(OptionKind))
        key = SETTINGS[kind]
        if rng.random() < 0.03:
            key = key.lower()
        eq = rng.choice(["=", "=", "=", " = ", "= ", "\t="])
        value = _value(rng, kind, release)
        if rng.random() < 0.06 and value:
            cut = rng.randrange(len(value) + 1)  # a continuation line inside the value
            lead = rng.choice(["", " ", "\t"])
            if rng.random() < 0.3:
                lead = "# a comment\n" + lead
            value = value[:cut] + "\\\n" + lead + value[cut:]
        return rng.choice(["", "", " "]) + key + eq + value + rng.choice(["", "", " ", "\t"])
    if roll < 0.78:
        return rng.choice(["# comment", "; comment", "  # BPFDelegateCommands=any", ""])
    if roll < 0.84:
        return rng.choice(["[Service]", "[Service]", "[Unit]", "[X-Extra]", "[Install]"])
    if roll < 0.87:
        return rng.choice(["[Socket]", "[Bogus]", " [Service] "])
    if roll < 0.90:
        # Only settings whose parsers write a plain field: the child's Service object is
        # zeroed memory, not a unit, and most parsers reach into the unit.
        key = rng.choice(["PrivateBPF", "PrivateBPF", "PrivateUsers", "NoSuchSetting"])
        values = ["yes", "yes", "no", "YES", "on", "0", "", "maybe", " yes", "yes "]
        if key == "PrivateUsers":
            values += ["self", "identity", "full", "managed", "Self", "IDENTITY", "true"]
        return key + rng.choice(["=", "=", " = "]) + rng.choice(values)
    if roll < 0.92:
        return rng.choice(["noequals", "=value", "BPFDelegateCommands"])
    if roll < 0.93:
        # systemd stops reading the file (the last three from 261 on)
        return rng.choice(["[Service", '[Ser"vice]', "[]", "[Ser*vice]", "[[Service]]"])
    if roll < 0.95:
        # odd bytes: a NUL ends a line, a byte-order mark only counts before the first one
        kind = rng.choice(list(OptionKind))
        return (
            rng.choice(["\ufeff", "", "\x00"])
            + SETTINGS[kind]
            + rng.choice(
                [
                    "=BPFMapCreate\x00BPFProgLoad",
                    "==any",
                    "=\ufeffany",
                    "=é,BPFMapCreate",
                    "=\x0bany",
                ]
            )
        )
    if roll < 0.96:
        return rng.choice(["[Service]\t", "\ufeff[Service]", "[Service]\x00x", "[Unit]\\"])
    return ""


def _file(rng: random.Random, release: str) -> str:
    lines = ["[Service]"] if rng.random() < 0.9 else []
    lines += [_line(rng, release) for _ in range(rng.randrange(1, 9))]
    end = rng.choice(["\n", "\n", "\n", "\r\n", "\r", "\n\r", "\n\x00", "\x00"])
    text = end.join(lines)
    return text + (end if rng.random() < 0.9 else "")


def generate(seed: int, count: int, release: str) -> list[list[str]]:
    rng = random.Random(seed)
    return [[_file(rng, release) for _ in range(rng.choice([1, 1, 2, 3]))] for _ in range(count)]
