"""What systemd makes of a sequence of ``BPFDelegate*=`` assignments, and what it does silently.

systemd 258 and later read each assignment with ``bpf_delegate_from_string()``:

- the whole value ``any`` sets all 64 bits; ``any`` inside a list is an unknown word;
- otherwise the value is split on ``,`` by ``extract_first_word(..., ",", 0)``: runs of
  commas are one separator, blanks are kept (``BPFProgLoad, BPFMapCreate`` has the word
  `` BPFMapCreate``), a backslash takes the next character literally, and a backslash at
  the very end makes systemd log an error and ignore the assignment;
- each word is looked up exactly (case-sensitive) in the release's table; an unknown word
  is logged ("Unknown BPF delegate option, ignoring") and dropped, a known one sets
  ``1 << index``;
- the result **replaces** the setting: a later assignment wins over an earlier one, and one
  whose words are all unknown sets 0, like an empty assignment.

>>> from delegopts.systemd.tables import load
>>> line = Assignment(OptionKind.CMDS, "BPFProgLoad,bogus,BPFMapCreate")
>>> outcome = evaluate([line], load("262.1"))
>>> hex(outcome.masks[OptionKind.CMDS]), [note.kind.value for note in outcome.notes]
('0x21', ['dropped'])
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from delegopts.catalog import Catalog, EnumCatalog, Name, OptionKind
from delegopts.systemd.headers import camel_case
from delegopts.systemd.tables import Release, known, load

__all__ = [
    "ALL_BITS",
    "Assignment",
    "Effect",
    "Note",
    "NoteKind",
    "Outcome",
    "Word",
    "evaluate",
    "other_kernel_name",
    "read_value",
    "shifted_bits",
    "split_words",
]

ALL_BITS = (1 << 64) - 1


class NoteKind(enum.Enum):
    """Something systemd does without failing the unit."""

    DROPPED = "dropped"  # a word systemd does not know
    ANY_IN_LIST = "any-in-list"  # ``any`` beside other words
    RESET = "reset"  # every word unknown: the setting becomes 0
    REPLACED = "replaced"  # a later assignment drops bits an earlier one set
    IGNORED = "ignored"  # a trailing backslash: the assignment is ignored
    SHIFTED = "shifted"  # systemd's bit is another name in the kernel


@dataclass(frozen=True, slots=True)
class Assignment:
    """One ``BPFDelegate*=`` line: its option, its value (already stripped), where it is."""

    kind: OptionKind
    value: str
    path: str = "<unit>"
    line: int = 0
    text: str = ""  # the line as written (continuations joined)
    column: int = 0  # where the value starts in ``text``


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a value: what systemd looks up, and where it is in the value."""

    text: str
    start: int
    end: int
    bit: int | None  # None: systemd does not know it


@dataclass(frozen=True, slots=True)
class Effect:
    """What one assignment did: its words and the mask it set (None: ignored)."""

    assignment: Assignment
    words: tuple[Word, ...]
    mask: int | None


@dataclass(frozen=True, slots=True)
class Note:
    """A silent behaviour, on an assignment (and a word of it, where one is to blame)."""

    kind: NoteKind
    message: str
    assignment: Assignment
    start: int  # span in the assignment's value
    end: int
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The four masks systemd ends with, each assignment's effect, and the notes."""

    release: Release
    masks: dict[OptionKind, int]
    effects: tuple[Effect, ...]
    notes: tuple[Note, ...]
    final: dict[OptionKind, Effect] = field(default_factory=dict)


def split_words(value: str) -> tuple[list[tuple[str, int, int]], bool]:
    """``extract_first_word(&s, &word, ",", 0)`` until the end: (word, start, end) each, and
    whether a backslash ends the value (systemd then logs "Failed to parse delegate options"
    and keeps the setting as it was, after having dropped the unknown words before it).

    >>> split_words(r",,a\\,b, c,")
    ([('a,b', 2, 6), (' c', 7, 9)], False)
    >>> split_words("a,b" + chr(92))
    ([('a', 0, 1)], True)
    """
    words: list[tuple[str, int, int]] = []
    index, length = 0, len(value)
    while True:
        while index < length and value[index] == ",":
            index += 1
        if index >= length:
            return words, False
        start, chars = index, []
        while index < length and value[index] != ",":
            if value[index] == "\\":
                if index + 1 >= length:
                    return words, True
                index += 1
            chars.append(value[index])
            index += 1
        words.append(("".join(chars), start, index))


def read_value(
    value: str, kind: OptionKind, release: Release
) -> tuple[tuple[Word, ...], int | None]:
    """The words of one value and the mask systemd sets from it (None: it ignores the value)."""
    if value == "any":
        return (Word("any", 0, 3, None),), ALL_BITS
    split, broken = split_words(value)
    words = tuple(Word(text, start, end, release.bit(kind, text)) for text, start, end in split)
    if broken:
        return words, None
    mask = 0
    for word in words:
        if word.bit is not None:
            mask |= 1 << (word.bit & 63)  # x86-64's shift; no table reaches 64 entries
    return words, mask


_LOOSE = re.compile(r"[^a-z0-9]")


def _loose(text: str) -> str:
    return _LOOSE.sub("", text.lower())


def _prefix(kind: OptionKind) -> str:
    return {OptionKind.MAPS: "bpfmaptype", OptionKind.PROGS: "bpfprogtype"}.get(kind, "bpf")


def _for_bit(bit: int, kind: OptionKind, release: Release, why: str) -> tuple[str, str | None]:
    name = release.name(kind, bit) if 0 <= bit < 64 else None
    if name is None:
        return f"{why}, and bit {bit} cannot be written for {release}", None
    return f"{why}; {release} writes bit {bit} as {name}", name


def _kernel_name(word: str, enum: EnumCatalog) -> Name | None:
    """The kernel name ``word`` stands for: ``prog_load``, ``BPF_PROG_LOAD``, ``BPFProgLoad``."""
    found = enum.lookup(word)  # the kernel's own spelling, any case
    if found is None:
        wanted = _loose(word)
        found = next((n for n in enum.names if _loose(n.declared) == wanted), None)
    return found if found is not None and found.fits else None


def spell(
    word: str, kind: OptionKind, release: Release, enum: EnumCatalog | None = None
) -> tuple[str, str | None]:
    """Why systemd does not know ``word``, and the word it would take instead (if any).

    With the kernel's names (``enum``), a kernel name is mapped through its bit: systemd's
    word for a bit is the name at that index of its table, which is not always the
    kernel's name for it (``netfilter`` is bit 32, and no word sets it).
    """
    names = release.names(kind)
    noun = kind.noun
    if word == "any":
        return "'any' counts only as the whole value", "any"
    stripped = word.strip(" \t")
    if stripped != word and release.bit(kind, stripped) is not None:
        return "systemd keeps the blanks around a word", stripped
    folded = {name.lower(): name for name in names}
    if word.lower() in folded:
        return "systemd matches names case-sensitively", folded[word.lower()]
    later = known()[known().index(release.version) + 1 :] if release.version in known() else ()
    for other in later:
        if load(other).bit(kind, word) is not None:
            return f"{word} is known from systemd {other} on", None
    kernel = _kernel_name(word, enum) if enum is not None else None
    if kernel is not None:
        why = f"{word!r} is the kernel's {kernel.name} (bit {kernel.bit}), not a word of {release}"
        return _for_bit(kernel.bit, kind, release, why)
    if enum is None:
        loose = {_loose(name): name for name in names}
        for candidate in (_loose(word), _prefix(kind) + _loose(word)):
            if candidate in loose:
                return f"systemd spells {noun} names in CamelCase", loose[candidate]
    try:
        number = int(word, 0)
    except ValueError:
        number = None
    if number is not None:
        return _for_bit(number, kind, release, "systemd takes no numbers")
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.7)
    return f"not a {noun} name in its table", close[0] if close else None


def evaluate(
    assignments: Iterable[Assignment], release: Release, catalog: Catalog | None = None
) -> Outcome:
    """Apply ``assignments`` in order as ``release`` does (``catalog``: the kernel's names,
    for what the notes suggest)."""
    masks = dict.fromkeys(OptionKind, 0)
    final: dict[OptionKind, Effect] = {}
    effects: list[Effect] = []
    notes: list[Note] = []
    for assignment in assignments:
        kind = assignment.kind
        words, mask = read_value(assignment.value, kind, release)
        effect = Effect(assignment, words, mask)
        effects.append(effect)
        notes.extend(_word_notes(effect, release, catalog[kind] if catalog else None))
        if mask is None:
            notes.append(
                Note(
                    NoteKind.IGNORED,
                    f"{release} ignores this assignment: the value ends in a backslash",
                    assignment,
                    len(assignment.value) - 1,
                    len(assignment.value),
                    "remove the trailing backslash",
                )
            )
            continue
        earlier = final.get(kind)
        if mask == 0 and words:
            lost = (
                f", and drops {_named(masks[kind], kind, release)} set before"
                if masks[kind]
                else ""
            )
            notes.append(
                Note(
                    NoteKind.RESET,
                    f"no word of this value is known to {release}: the setting becomes 0{lost}",
                    assignment,
                    0,
                    len(assignment.value),
                    "correct the words, or write an empty value to mean nothing",
                )
            )
        elif earlier is not None and masks[kind] & ~mask and assignment.value:
            where = f"{earlier.assignment.path}:{earlier.assignment.line}"
            notes.append(
                Note(
                    NoteKind.REPLACED,
                    f"this assignment replaces the one at {where}, whose "
                    f"{_named(masks[kind] & ~mask, kind, release)} it drops (systemd does not "
                    "add assignments up)",
                    assignment,
                    0,
                    len(assignment.value),
                    "write every name in one assignment",
                )
            )
        masks[kind] = mask
        final[kind] = effect
    return Outcome(release, masks, tuple(effects), tuple(notes), final)


def _named(mask: int, kind: OptionKind, release: Release) -> str:
    """``mask`` in the release's words: ``BPFProgLoad``, ``all bits``."""
    if mask == ALL_BITS:
        return "'any'"
    return ", ".join(
        release.name(kind, bit) or f"bit {bit}" for bit in range(64) if mask >> bit & 1
    )


def _word_notes(effect: Effect, release: Release, enum: EnumCatalog | None) -> Iterable[Note]:
    kind, assignment = effect.assignment.kind, effect.assignment
    for word in effect.words:
        if word.bit is not None or assignment.value == "any":
            continue
        why, better = spell(word.text, kind, release, enum)
        in_list = word.text == "any"
        yield Note(
            NoteKind.ANY_IN_LIST if in_list else NoteKind.DROPPED,
            f"{release} drops {word.text!r}: {why}",
            assignment,
            word.start,
            word.end,
            ("write 'any' as the whole value, or remove it" if in_list else f"write {better}")
            if better
            else None,
        )


def other_kernel_name(enum: EnumCatalog, bit: int, word: str) -> str | None:
    """The kernel's name for ``bit`` where systemd's ``word`` for it is not one of them."""
    kernel = [name for name in enum.names if name.fits and name.bit == bit]
    if not kernel or any(camel_case(name.declared) == word for name in kernel):
        return None
    return kernel[0].name


def shifted_bits(mask: int, kind: OptionKind, release: Release, catalog: Catalog) -> list[str]:
    """For each bit of ``mask`` whose systemd name is another name in ``catalog``'s kernel:
    a sentence saying which kernel bit the setting really delegates."""
    said: list[str] = []
    if mask == ALL_BITS:
        return said
    for bit in range(64):
        spelled = release.name(kind, bit) if mask >> bit & 1 else None
        kernel = other_kernel_name(catalog[kind], bit, spelled) if spelled else None
        if spelled and kernel:
            said.append(f"{spelled} sets bit {bit}, which kernel {catalog.label} reads as {kernel}")
    return said
