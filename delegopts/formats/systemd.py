"""systemd units: ``.mount`` units of type bpf, and the ``PrivateBPF=``/``BPFDelegate*=`` settings.

systemd 258 added, for services (and every unit with an execution environment):
``PrivateBPF=yes`` mounts a private bpffs on /sys/fs/bpf, and ``BPFDelegateCommands=``,
``BPFDelegateMaps=``, ``BPFDelegatePrograms=``, ``BPFDelegateAttachments=`` set its
``delegate_*`` options; a token can only be made from them in a user namespace of the
service's own (``PrivateUsers=``). The units are read as a given systemd release reads them
(:mod:`delegopts.systemd`): its own name tables, a later assignment replacing an earlier
one, unknown words dropped one by one, drop-ins after the unit's file.

>>> from delegopts.systemd.tables import load
>>> unit = "[Service]\\nPrivateBPF=yes\\nBPFDelegateCommands=BPFProgLoad,BPFMapCreate\\n"
>>> scan_unit(unit, "a.service", tiny_catalog, load("262.1")).found[0].options
'delegate_cmds=prog_load:map_create'
"""

from __future__ import annotations

from delegopts.catalog import Catalog, Name, OptionKind
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.formats._found import Builder, Found, Scan, finding
from delegopts.formats.mountopts import kept_pieces
from delegopts.options import Options
from delegopts.policy import ignored_codes
from delegopts.systemd.headers import camel_case
from delegopts.systemd.model import ALL_BITS, Note, NoteKind, Outcome, evaluate, other_kernel_name
from delegopts.systemd.tables import Release, known, load
from delegopts.systemd.units import SETTINGS, Unit, UnitFile, read_unit

__all__ = ["SETTINGS", "scan_unit", "scan_unit_files", "systemd_name", "to_systemd"]

_TRUE = {"1", "yes", "y", "true", "t", "on"}
_FALSE = {"0", "no", "n", "false", "f", "off"}
#: PrivateUsers= words besides the booleans (private_users_from_string(): exact case).
_USER_MODES = ("self", "identity", "full", "managed")


def _private_bpf_parses(value: str) -> bool:
    """Whether systemd parses a PrivateBPF= value (parse_boolean(): any case); it ignores
    the others, the empty value included ('Failed to parse PrivateBPF=, ignoring')."""
    return value.lower() in _TRUE | _FALSE


def _private_users_parses(value: str) -> bool:
    """Whether systemd parses a PrivateUsers= value: a boolean (any case) or one of
    :data:`_USER_MODES` (exact case); it ignores the others, the empty value included."""
    return value.lower() in _TRUE | _FALSE or value in _USER_MODES


_PARSES = {"PrivateBPF": _private_bpf_parses, "PrivateUsers": _private_users_parses}
_EXPECTED = {"PrivateBPF": "yes or no", "PrivateUsers": "yes, no, self, identity, full or managed"}
_CODE_OF = {
    NoteKind.DROPPED: Code.SYSTEMD_NAME,
    NoteKind.ANY_IN_LIST: Code.SYSTEMD_ANY_IN_LIST,
    NoteKind.REPLACED: Code.SYSTEMD_REPLACED,
    NoteKind.RESET: Code.SYSTEMD_RESET,
    NoteKind.IGNORED: Code.SYSTEMD_IGNORED,
}
# by what the reader's message names
_STOP_FIXES = {
    "section header": "write a section header as '[Name]', without quotes, backslashes or '*?['",
    "UTF-8": "write the line in UTF-8",
    "MiB": "keep the line, continuations joined, below 1 MiB",
}
_KEYS = {setting.lower(): setting for setting in SETTINGS.values()}


def systemd_name(name: Name) -> str:
    """systemd's build's spelling of an enumerator: ``BPF_OBJ_PIN`` -> ``BPFObjPin``.

    >>> systemd_name(Name("prog_type_xdp", "BPF_PROG_TYPE_XDP", 6, 6))
    'BPFProgTypeXdp'
    """
    return camel_case(name.declared)


def to_systemd(options: Options, release: Release | None = None) -> tuple[list[str], list[str]]:
    """The settings ``release`` (the newest known by default) reads back to ``options``'
    masks, and what they cannot express (see :func:`delegopts.systemd.write.to_settings`).

    >>> from delegopts import parse
    >>> to_systemd(parse("delegate_progs=xdp", tiny_catalog))[0][-1]
    'BPFDelegatePrograms=BPFProgTypeXdp'
    """
    from delegopts.systemd.write import to_settings

    written = to_settings(options, release or load(known()[-1]))
    return list(written.lines), list(written.lost)


def scan_unit(text: str, path: str, catalog: Catalog, release: Release | None = None) -> Scan:
    """The bpffs data strings one unit file makes systemd mount, and its findings."""
    return scan_unit_files([UnitFile(path, text)], catalog, release)


def scan_unit_files(
    files: list[UnitFile],
    catalog: Catalog,
    release: Release | None = None,
    *,
    name: str | None = None,
    complete: bool = True,
    headerless: bool = False,
) -> Scan:
    """A unit read from its own file and drop-ins, in systemd's order, as ``release`` does
    (the newest known by default); ``complete``: the unit's own file is among ``files``;
    ``headerless``: settings before any section header count (settings written alone)."""
    release = release or load(known()[-1])
    unit = read_unit(files, name, complete=complete, headerless=headerless, major=release.major)
    findings: list[Diagnostic | None] = [
        _stopped(logged.path, logged.line, logged.text, logged.message)
        for logged in unit.logged
        if logged.stops
    ]  # fmt: skip
    found: list[Found] = []
    mount = _mount_found(unit)
    if mount is not None:
        found.append(mount)
    findings += _unread_keys(unit)
    assignments = unit.assignments()
    if assignments:
        outcome = evaluate(assignments, release, catalog)
        ignore = _ignored(unit)
        findings += [_note(note, ignore) for note in outcome.notes]
        findings += _shifted(outcome, catalog, ignore)
        findings += _unparsed(unit, ignore)
        findings += _private(unit, outcome)
        service = _service_found(unit, outcome, catalog, ignore)
        if service is not None:
            found.append(service)
    return Scan.of(found, [item for item in findings if item is not None])


def _stopped(path: str, line: int, text: str, message: str) -> Diagnostic:
    return finding(
        Code.SYNTAX,
        f"unit file line: {message}: systemd stops reading {path} here and the unit fails to load",
        path,
        line,
        text,
        Span(0, max(len(text.rstrip()), 1)),
        next((fix for key, fix in _STOP_FIXES.items() if key in message), "fix the line"),
    )


def _ignored(unit: Unit) -> dict[tuple[str, int], frozenset[Code]]:
    """The codes ``# delegopts: ignore=`` comments above each setting leave out."""
    return {
        (setting.path, setting.line): frozenset().union(*map(ignored_codes, setting.comments))
        for setting in unit.settings
        if setting.comments
    }


def _kept(
    diagnostic: Diagnostic, ignore: dict[tuple[str, int], frozenset[Code]]
) -> Diagnostic | None:
    """``diagnostic``, unless a comment above its line ignores its code."""
    where = diagnostic.location
    if where is not None and diagnostic.code in ignore.get((where.path, where.line), ()):
        return None
    return diagnostic


def _note(note: Note, ignore: dict[tuple[str, int], frozenset[Code]]) -> Diagnostic | None:
    line = note.assignment
    span = Span(line.column + note.start, line.column + max(note.end, note.start + 1))
    key = SETTINGS[line.kind]
    message = f"{key}=: {note.message}"
    return _kept(
        finding(_CODE_OF[note.kind], message, line.path, line.line, line.text, span, note.fix),
        ignore,
    )


def _shifted(
    outcome: Outcome, catalog: Catalog, ignore: dict[tuple[str, int], frozenset[Code]]
) -> list[Diagnostic | None]:
    """Words whose bit the kernel calls by another name (BPFProgTypeNetfilter: syscall)."""
    said: list[Diagnostic | None] = []
    for kind, effect in outcome.final.items():
        if effect.mask is None or effect.mask == ALL_BITS:
            continue
        line = effect.assignment
        for word in effect.words:
            if word.bit is None:
                continue
            kernel = other_kernel_name(catalog[kind], word.bit, word.text)
            if kernel is None:
                continue
            wanted = next(
                (n for n in catalog[kind].names if n.fits and camel_case(n.declared) == word.text),
                None,
            )
            lost = (
                f"; the kernel's {wanted.name} (bit {wanted.bit}) has no word in {outcome.release}"
                if wanted is not None and outcome.release.name(kind, wanted.bit) is None
                else ""
            )
            said.append(
                _kept(
                    finding(
                        Code.SYSTEMD_SHIFTED,
                        f"{SETTINGS[kind]}=: {word.text} is bit {word.bit} in "
                        f"{outcome.release}'s table, which kernel {catalog.label} reads as "
                        f"{kernel}: the token delegates {kernel}, not what the name says{lost}",
                        line.path,
                        line.line,
                        line.text,
                        Span(line.column + word.start, line.column + word.end),
                        f"remove it unless {kernel} is wanted"
                        + ("; only 'any' delegates the kernel's own bit" if lost else ""),
                    ),
                    ignore,
                )
            )
    return said


def _unread_keys(unit: Unit) -> list[Diagnostic | None]:
    """BPFDelegate*= lines systemd skips: wrong section, outside one, or the key's case."""
    said: list[Diagnostic | None] = []
    for setting in unit.settings:
        exact = setting.key in _KEYS.values()
        spelled = _KEYS.get(setting.key.lower())
        if spelled is None or (exact and setting.read and setting.section == unit.section):
            continue
        if not exact:
            why, fix = (
                f"systemd knows no key {setting.key!r} (keys are case-sensitive)",
                (f"write {spelled}="),
            )
        elif not setting.read and not setting.section:
            why, fix = "the line is outside any section", f"put it under [{unit.section}]"
        else:
            where = f"[{setting.section}]"
            why, fix = (
                f"{unit.name} reads it only in [{unit.section}], not {where}",
                (f"move it under [{unit.section}]"),
            )
        said.append(
            finding(
                Code.SYSTEMD_NOT_READ,
                f"{setting.key}= is not read: {why}",
                setting.path,
                setting.line,
                setting.text,
                Span(setting.key_column, setting.key_column + len(setting.key)),
                fix,
            )
        )
    return said


def _unparsed(
    unit: Unit, ignore: dict[tuple[str, int], frozenset[Code]]
) -> list[Diagnostic | None]:
    """PrivateBPF=/PrivateUsers= values systemd cannot parse: it logs them and goes on as if
    the line were not there."""
    said: list[Diagnostic | None] = []
    for setting in unit.settings:
        parses = _PARSES.get(setting.key)
        if parses is None or not setting.read or setting.section != unit.section:
            continue
        if parses(setting.value):
            continue
        message = (
            f"{setting.key}={setting.value!r} is no value systemd reads: it logs 'Failed to "
            f"parse {setting.key}={setting.value}, ignoring' and keeps the value before it"
        )
        start = setting.column if setting.value else setting.key_column
        end = setting.column + len(setting.value) if setting.value else setting.column
        said.append(
            _kept(
                finding(
                    Code.SYSTEMD_IGNORED,
                    message,
                    setting.path,
                    setting.line,
                    setting.text,
                    Span(start, end),
                    f"write {_EXPECTED[setting.key]}",
                ),
                ignore,
            )
        )
    return said


def _private(unit: Unit, outcome: Outcome) -> list[Diagnostic | None]:
    """F202/F203: the settings need PrivateBPF=yes, and a user namespace of their own."""
    # Point at a setting that delegates something, where one does.
    nonzero = [outcome.final[kind] for kind in OptionKind if outcome.masks[kind]]
    first = nonzero[0].assignment if nonzero else outcome.effects[0].assignment
    lead = next(
        (s.key_column for s in unit.settings if (s.path, s.line) == (first.path, first.line)), 0
    )
    span = Span(lead, lead + len(SETTINGS[first.kind]))
    # systemd ignores a value it cannot parse: the one before it stays
    private = unit.last("PrivateBPF", _private_bpf_parses)
    users = unit.last("PrivateUsers", _private_users_parses)
    if private is None or private.value.lower() not in _TRUE:
        if private is None and not unit.complete:
            return []  # the unit's own file, not read, may set it
        why = "is not set" if private is None else f"is {private.value!r}"
        return [
            finding(
                Code.SYSTEMD_NO_PRIVATE_BPF,
                f"{SETTINGS[first.kind]}= has no effect: PrivateBPF= {why}, so systemd mounts "
                "no bpffs",
                first.path,
                first.line,
                first.text,
                span,
                "add PrivateBPF=yes",
            )
        ]
    if (users is None and unit.complete) or (users is not None and users.value.lower() in _FALSE):
        # kernel/bpf/token.c: a token is never created in the initial user namespace
        return [
            finding(
                Code.SYSTEMD_NO_PRIVATE_USERS,
                f"{SETTINGS[first.kind]}= without PrivateUsers=: the service runs in the "
                "initial user namespace, where BPF_TOKEN_CREATE always fails (EOPNOTSUPP)",
                first.path,
                first.line,
                first.text,
                span,
                "add PrivateUsers=yes (or self, identity, full, managed)",
            )
        ]
    return []


def _service_found(
    unit: Unit, outcome: Outcome, catalog: Catalog, ignore: dict[tuple[str, int], frozenset[Code]]
) -> Found | None:
    """The data string systemd's masks stand for, each name mapped to the word that set it.

    systemd hands the kernel each mask as a number; the string here names the kernel's bits
    (a bit the kernel has no name for is one hex number, put first: a number replaces).
    """
    places: list[tuple[str, int, str]] = []
    for kind in OptionKind:
        effect = outcome.final.get(kind)
        if effect is not None and effect.mask:
            place = (effect.assignment.path, effect.assignment.line, effect.assignment.text)
            if place not in places:
                places.append(place)
    if not places:
        return None
    order = {unit_file.path: number for number, unit_file in enumerate(unit.files)}
    places.sort(key=lambda place: (order.get(place[0], len(order)), place[1]))
    builder = Builder([(number, text) for _, number, text in places])
    codes: frozenset[Code] = frozenset()
    for kind in OptionKind:
        effect = outcome.final.get(kind)
        if effect is None or not effect.mask:
            continue
        line = effect.assignment
        index = places.index((line.path, line.line, line.text))
        codes |= ignore.get((line.path, line.line), frozenset())
        key_span = (line.column - 1 - len(SETTINGS[kind]), line.column - 1)
        if builder.text:
            builder.add(",", index, *key_span)
        builder.add(f"{kind.key}=", index, *key_span)
        if effect.mask == ALL_BITS:
            builder.add("any", index, line.column, line.column + len(line.value))
            continue
        pieces: list[tuple[str, int, int]] = []
        unnamed, first_unnamed = 0, (0, 0)
        for word in effect.words:
            if word.bit is None:
                continue
            named = catalog[kind].split(1 << word.bit)[0]
            span = (line.column + word.start, line.column + word.end)
            if named:
                pieces.append((named[0].name, *span))
            else:
                first_unnamed = span if not unnamed else first_unnamed
                unnamed |= 1 << word.bit
        if unnamed:
            pieces.insert(0, (f"{unnamed:#x}", *first_unnamed))
        for number, (text, start, end) in enumerate(pieces):
            if number:
                builder.add(":", index, start, start)
            builder.add(text, index, start, end)
    return builder.found(
        path=places[0][0],
        paths=tuple(path for path, _, _ in places),
        what=f"{outcome.release} BPFDelegate*= settings of {unit.name}",
        target="/sys/fs/bpf",
        ignore=codes,
    )


def _mount_found(unit: Unit) -> Found | None:
    """A ``.mount`` unit of type bpf: its Options= as mount(8) hands them to the kernel."""
    kind = unit.last("Type")
    if unit.section != "Mount" or kind is None or kind.value != "bpf":
        return None
    where_setting = unit.last("Where")
    where = where_setting.value if where_setting is not None else None
    options = unit.last("Options")
    if options is None:
        empty = Builder([(kind.line, kind.text)])
        return empty.found(
            path=kind.path, end=(0, kind.column), what=f"mount unit for {where}", target=where
        )
    builder = Builder([(options.line, options.text)])
    kept, _ = kept_pieces(options.value)
    for number, (begin, end) in enumerate(kept):
        if number:
            builder.add_mapped(",", 0, [options.column + begin - 1])
        builder.add_mapped(
            options.value[begin:end], 0, list(range(options.column + begin, options.column + end))
        )
    ignore = frozenset().union(*map(ignored_codes, options.comments))
    return builder.found(
        path=options.path,
        end=(0, options.column + len(options.value)),
        what=f"mount unit for {where}",
        target=where,
        ignore=ignore,
    )
