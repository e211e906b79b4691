"""What the kernel does with an option string: :func:`parse`, piece by piece, in order.

This follows ``vfs_parse_monolithic_sep``, ``vfs_parse_fs_param`` and ``bpf_parse_param``:

- empty pieces and pieces with an empty key are skipped; generic flags (``ro``, ``sync``...)
  go to the VFS; keys the target's bpffs does not know are ignored (``source`` is refused);
- ``uid``/``gid`` (``kstrtouint`` base 0) and ``mode`` (base 8): the last one wins, any bad
  value is ``EINVAL``;
- a delegate value is split on ``:``; each piece is exactly ``any`` (all 64 bits), else a
  name of the target's enum ignoring ASCII case (``|= 1 << value``), else a number that
  *replaces* the mask; repeated delegate options are OR-ed.

The first piece the kernel would refuse raises :class:`~delegopts.errors.OptionError`;
everything surprising but accepted becomes a :class:`~delegopts.diagnostics.Diagnostic`.

>>> catalog = tiny_catalog
>>> options = parse("delegate_cmds=prog_load:MAP_CREATE,delegate_cmd=any", catalog)
>>> str(options)
'delegate_cmds=map_create:prog_load'
>>> [d.code.value for d in options.diagnostics]
['D101']
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from delegopts._kstrtox import NumberError, detect_base, kstrtouint, kstrtoull
from delegopts.catalog import (
    ALL_KEYS,
    U64,
    Catalog,
    EnumCatalog,
    Name,
    OptionKind,
    ascii_lower,
)
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import OptionError, Span
from delegopts.grammar.splitter import Item, Piece, split_options
from delegopts.options import Mask, Options, Step

__all__ = ["MOUNT_DATA_MAX", "VFS_FLAGS", "parse", "parse_mask"]

#: mount(2) copies one page of data and NUL-terminates it: 4095 bytes reach the parser.
MOUNT_DATA_MAX = 4095
#: Keys fs/fs_context.c (vfs_parse_sb_flag) takes before any filesystem sees them.
VFS_FLAGS = frozenset(
    {"ro", "rw", "sync", "async", "dirsync", "lazytime", "nolazytime", "mand", "nomand"}
)
_SCALARS = ("uid", "gid", "mode")
_KINDS = tuple(OptionKind)  # iterating the Enum class itself runs Python code each time


class _State:
    """What the kernel has stored so far while it walks one option string."""

    # A plain slotted class: one is made per parsed string, on the hot path.
    __slots__ = ("catalog", "diagnostics", "gid", "last_delegate", "masks", "mode", "seen",
                 "source", "steps", "uid")  # fmt: skip

    def __init__(self, source: str, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog
        self.uid = 0
        self.gid = 0
        self.mode = 0o777
        self.masks: dict[OptionKind, int] = dict.fromkeys(_KINDS, 0)
        self.seen: dict[str, Span] = {}
        self.diagnostics: list[Diagnostic] = []
        self.steps: list[Step] = []
        self.last_delegate: OptionKind | None = None

    def warn(self, code: Code, message: str, span: Span, fix: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, fix))

    def fail(
        self,
        message: str | Callable[[], str],
        span: Span,
        *,
        errno_name: str = "EINVAL",
        suggestion: str | Callable[[], str | None] | None = None,
    ) -> OptionError:
        return OptionError(
            message, source=self.source, span=span, errno_name=errno_name, suggestion=suggestion
        )


def parse(text: str, catalog: Catalog) -> Options:
    """Parse a mount data string for the kernel ``catalog`` describes.

    Raises :class:`~delegopts.errors.OptionError` where that kernel would refuse the mount.
    """
    state = _State(text, catalog)
    data = _mount_data(text, state)
    for piece in split_options(data):
        _piece(piece, state)
    bits, enums = state.masks, catalog.enums
    cmds, maps, progs, attachs = (Mask(kind, bits[kind], enums[kind]) for kind in _KINDS)
    return Options(
        catalog,
        cmds,
        maps,
        progs,
        attachs,
        state.uid,
        state.gid,
        state.mode,
        text,
        tuple(state.diagnostics),
        tuple(state.steps),
    )


def parse_mask(kind: OptionKind, value: str, catalog: Catalog) -> Mask:
    """Parse one delegate value (what follows ``delegate_X=``) into a :class:`Mask`."""
    return parse(f"{kind.key}={value}", catalog)[kind]


def _mount_data(text: str, state: _State) -> str:
    """What the kernel's parser gets: up to the first NUL, at most 4095 bytes."""
    encoded = text.encode("utf-8", "surrogateescape")
    cut = encoded.find(b"\0")
    reason = "a NUL byte ends the mount data"
    if cut == -1 and len(encoded) > MOUNT_DATA_MAX:
        cut, reason = MOUNT_DATA_MAX, f"mount(2) passes only the first {MOUNT_DATA_MAX} bytes"
    if cut == -1:
        return text
    kept = encoded[:cut].decode("utf-8", "ignore")
    state.warn(
        Code.TRUNCATED,
        f"{reason}: the rest is never parsed",
        Span(len(kept), len(text)),
        "shorten the option string",
    )
    return kept


def _piece(piece: Piece, state: _State) -> None:
    key = piece.key
    if key is None:
        if piece.has_equals:
            state.warn(
                Code.EMPTY_KEY,
                f"{piece.text!r} has no key before '=' and is skipped",
                piece.span,
                "remove it or put the key in front",
            )
        elif state.source:
            state.warn(Code.EMPTY_PIECE, "empty piece between commas is skipped", piece.span)
        return
    if key in VFS_FLAGS:
        state.warn(
            Code.VFS_FLAG,
            f"{key!r} is a generic mount flag, handled by the VFS, not by bpffs",
            piece.key_span,
        )
        return
    if key not in state.catalog.keys:
        _unknown_key(piece, key, state)
        return
    if not piece.has_equals:
        raise state.fail(f"'{key}' needs a value", piece.key_span, suggestion=f"{key}=VALUE")
    value = piece.value or ""
    kind = OptionKind.from_key(key)
    if kind is None:
        _scalar(piece, key, value, state)
    else:
        _delegate(piece, kind, value, state)


def _unknown_key(piece: Piece, key: str, state: _State) -> None:
    if key == "source":
        raise state.fail(
            "'source' cannot be given in the options: mount(2) already sets it", piece.span
        )
    label = state.catalog.label
    if key in ALL_KEYS:
        why = (
            "BPF token delegation needs Linux 6.9 or later"
            if key.startswith("delegate_")
            else "it appeared in later kernels"
        )
        state.warn(
            Code.KEY_NOT_IN_KERNEL,
            f"kernel {label} has no '{key}' option ({why}): it is ignored",
            piece.key_span,
            "target a newer kernel or remove it",
        )
        return
    fix = _key_fix(piece, key, state)
    state.warn(
        Code.UNKNOWN_KEY,
        f"unknown key {key!r} is ignored: bpffs knows "
        + ", ".join(k for k in ALL_KEYS if k in state.catalog.keys),
        piece.key_span,
        fix,
    )


def _key_fix(piece: Piece, key: str, state: _State) -> str | None:
    kind = state.last_delegate
    if kind is not None and not piece.has_equals and state.catalog[kind].lookup(key) is not None:
        return f"',' ends the option: separate {kind.noun}s with ':' ({kind.key}=...:{key})"
    cleaned = ascii_lower(key.strip())
    if cleaned in ALL_KEYS and cleaned in state.catalog.keys:
        return f"did you mean '{cleaned}'? (keys are case-sensitive)"
    close = _closest(cleaned, tuple(k for k in ALL_KEYS if k in state.catalog.keys))
    return f"did you mean '{close}'?" if close else None


@functools.lru_cache(maxsize=1024)
def _closest(word: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate most like ``word``, if one is close enough.

    difflib compares ``word`` with every candidate (a few hundred microseconds for the
    names of an enum), and a batch of strings repeats the same few mistakes: each pair of
    word and candidates is compared once per run.
    """
    import difflib  # only mistakes need it

    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    return close[0] if close else None


def _scalar(piece: Piece, key: str, value: str, state: _State) -> None:
    base = 8 if key == "mode" else 0
    try:
        number = kstrtouint(value, base)
    except NumberError as error:
        span = Span(piece.value_start + error.position, piece.value_start + error.end)
        if not value:
            span = piece.span
        kind_of = "an octal number" if base == 8 else "a number from 0 to 4294967294"
        raise state.fail(
            f"bad value for '{key}' (needs {kind_of}): {error.reason}", span
        ) from error
    if key != "mode" and number == 0xFFFFFFFF:
        raise state.fail(f"{key} 4294967295 is (id_t)-1, not a valid {key}", piece.value_span)
    if key in state.seen:
        state.warn(
            Code.REPEATED_SCALAR,
            f"'{key}' is given again: the last one ({value}) wins",
            piece.span,
            f"keep one '{key}'",
        )
    state.seen[key] = piece.span
    if key == "uid":
        state.uid = number
    elif key == "gid":
        state.gid = number
    else:
        if number & ~0o7777:
            state.warn(
                Code.MODE_BITS_DROPPED,
                f"mode {value} has bits above 07777: the kernel keeps {number & 0o7777:o}",
                piece.value_span,
                f"mode={number & 0o7777:o}",
            )
        state.mode = number & 0o7777


def _delegate(piece: Piece, kind: OptionKind, value: str, state: _State) -> None:
    state.last_delegate = kind
    enum = state.catalog[kind]
    if not value:
        raise state.fail(
            f"'{kind.key}' has an empty value", piece.span, suggestion=f"{kind.key}=any"
        )
    mask = 0
    consumed: list[Item] = []
    for item in piece.items or ():
        before = mask
        name = enum.lookup(item.text) if item.kind == "symbol" else None
        if item.kind == "any":
            mask = U64
            state.steps.append(
                Step(kind, item.text, item.start, item.end, "any", None, before, mask)
            )
        elif name is not None:
            mask |= 1 << name.bit
            state.steps.append(
                Step(kind, item.text, item.start, item.end, "name", name, before, mask)
            )
            _name_notes(item, name, enum, state)
        else:
            mask = _number(item, kind, enum, state)
            if before and consumed:
                lost = ":".join(i.text for i in consumed)
                state.warn(
                    Code.NUMBER_REPLACES,
                    f"{item.text!r} replaces the mask: {lost!r} before it is lost",
                    item.span,
                    f"put the number first ({item.text}:{lost}) or drop it",
                )
            state.steps.append(
                Step(kind, item.text, item.start, item.end, "number", None, before, mask)
            )
        consumed.append(item)
    if mask & enum.any_mask == 0:  # nothing the kernel keeps
        state.warn(
            Code.ZERO_MASK,
            f"{piece.text!r} delegates nothing",
            piece.value_span,
            f"remove '{kind.key}' or give it names",
        )
    state.masks[kind] |= mask


def _name_notes(item: Item, name: Name, enum: EnumCatalog, state: _State) -> None:
    shown = enum.shown_as(name)
    if not name.fits:
        state.warn(
            Code.VALUE_WRAPS,
            f"{item.text!r} has value {name.value}, which does not fit a 64-bit mask: "
            f"the kernel sets bit {name.bit} ({shown.name})",
            item.span,
            f"remove {item.text!r}",
        )
    elif shown is not name:
        state.warn(
            Code.ALIAS,
            f"{item.text!r} is an alias of {shown.name!r} and shows as it",
            item.span,
            f"write '{shown.name}'",
        )


def _number(item: Item, kind: OptionKind, enum: EnumCatalog, state: _State) -> int:
    try:
        number = kstrtoull(item.text, 0)
    except NumberError as error:
        if item.kind == "number":
            span = Span(item.start + error.position, item.start + error.end)
            raise state.fail(
                f"{kind.key}: {error.reason}", span, errno_name=error.errno_name
            ) from error
        # Explained only when the message is read (see OptionError): validators that only
        # need the errno skip the work.
        explain = functools.cache(lambda: _not_a_name(item, kind, enum, state))

        def suggestion() -> str | None:
            fix = explain()[1]
            return fix() if callable(fix) else fix

        span = item.span if item.text else Span(item.start, item.start + 1)
        raise state.fail(lambda: explain()[0], span, suggestion=suggestion) from error
    base, _ = detect_base(item.text)
    if base == 8 and number > 7:
        state.warn(
            Code.OCTAL,
            f"{item.text!r} is octal: {number} ({number:#x})",
            item.span,
            f"write {number:#x} or {number}",
        )
    dropped = number & ~enum.any_mask
    if dropped and number != U64:  # all 64 bits is what 'any' stores too
        state.warn(
            Code.BITS_OUT_OF_RANGE,
            f"{item.text!r} sets bits {dropped:#x} beyond kernel {state.catalog.label}'s "
            f"{kind.noun}s (any = {enum.any_mask:#x}): stored, never shown, never used",
            item.span,
            f"use {number & enum.any_mask:#x} or 'any'"
            if number & enum.any_mask
            else "remove it: it delegates nothing here",
        )
    return number


_PREFIXES = ("BPF_MAP_TYPE_", "BPF_PROG_TYPE_", "BPF_", "MAP_TYPE_", "PROG_TYPE_")


#: Each kind's prefixes to try, lowered once: a misspelt name is tried against all four kinds.
_LOWERED_PREFIXES = {
    kind: tuple(ascii_lower(prefix) for prefix in (kind.prefix, *_PREFIXES)) for kind in OptionKind
}


def _without_prefix(text: str, enum: EnumCatalog) -> Name | None:
    """The name meant by a piece written with a (partial) enum prefix kept."""
    lowered = ascii_lower(text)
    prefixes = _LOWERED_PREFIXES[enum.kind]
    if not lowered.startswith(prefixes):  # the common case: no prefix at all
        return None
    for prefix in prefixes:
        if lowered.startswith(prefix):
            found = enum.lookup(text[len(prefix) :])
            if found is not None:
                return found
    return None


def _not_a_name(
    item: Item, kind: OptionKind, enum: EnumCatalog, state: _State
) -> tuple[str, str | Callable[[], str | None] | None]:
    """Why a piece is neither ``any``, a name nor a number, and what was probably meant."""
    text = item.text
    where = f"{kind.key}: "
    if not text:
        return where + "empty piece (two ':' in a row, or one at an end)", None
    if ascii_lower(text) == "any":
        return where + f"{text!r} is not 'any': the kernel matches 'any' case-sensitively", "any"
    if text.strip() != text and text.strip():
        inner = text.strip()
        return where + f"{text!r} has white space around it", inner
    if not state.catalog.has_btf or not enum.names:
        return (
            where + f"{text!r}: kernel {state.catalog.label} has no BTF names for "
            f"{kind.noun}s, only 'any' and numbers are accepted",
            None,
        )
    found = _without_prefix(text, enum)
    if found is not None:
        return (
            where + f"{text!r}: names are written without the {kind.prefix!r} prefix",
            found.name,
        )
    from delegopts.history import newer_name_note

    newer = newer_name_note(kind, text, state.catalog.label)
    if newer is not None:
        return where + newer, None
    for other in _KINDS:
        other_enum = state.catalog[other]
        if other is not kind and (other_enum.lookup(text) or _without_prefix(text, other_enum)):
            return (where + f"{text!r} is a {other.noun} ({other.key}), not a {kind.noun}", None)

    def closest() -> str | None:
        return _closest(ascii_lower(text), tuple(n.name for n in enum.names))

    return (
        where + f"{text!r} is not a {kind.noun} of kernel {state.catalog.label}, "
        "nor 'any', nor a number",
        closest,
    )
