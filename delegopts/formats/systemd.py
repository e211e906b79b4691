"""systemd units: ``.mount`` units of type bpf, and the ``PrivateBPF=``/``BPFDelegate*=`` settings.

systemd v258 added, for services (and every unit with an execution environment):
``PrivateBPF=yes`` mounts a private bpffs on /sys/fs/bpf, and ``BPFDelegateCommands=``,
``BPFDelegateMaps=``, ``BPFDelegatePrograms=``, ``BPFDelegateAttachments=`` set its
``delegate_*`` options. They take comma-separated names, the kernel's enumerator in
CamelCase (``BPF_MAP_CREATE`` is ``BPFMapCreate``, ``BPF_PROG_TYPE_XDP`` is
``BPFProgTypeXdp``), or ``any``; an empty assignment resets the list; they only take effect
with ``PrivateBPF=yes`` (systemd.exec(5)), and a token can only be made from them in a user
namespace of the service's own (``PrivateUsers=``). Names are matched exactly, as systemd's
string tables do; an assignment with a name systemd does not know is ignored as a whole.

>>> catalog = tiny_catalog
>>> unit = "[Service]\\nPrivateBPF=yes\\nBPFDelegateCommands=BPFProgLoad,BPFMapCreate\\n"
>>> scan_unit(unit, "a.service", catalog).found[0].options
'delegate_cmds=prog_load:map_create'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from delegopts.catalog import Catalog, Name, OptionKind, ascii_lower
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.formats._found import Builder, Found, Scan, finding
from delegopts.formats.mountopts import kept_pieces
from delegopts.grammar.lines import LineSyntaxError, parse_line
from delegopts.options import Options
from delegopts.policy import ignored_codes

__all__ = ["SETTINGS", "scan_unit", "systemd_name", "to_systemd"]

#: The service setting for each delegate option.
SETTINGS = {
    OptionKind.CMDS: "BPFDelegateCommands",
    OptionKind.MAPS: "BPFDelegateMaps",
    OptionKind.PROGS: "BPFDelegatePrograms",
    OptionKind.ATTACHS: "BPFDelegateAttachments",
}
_BY_SETTING = {setting: kind for kind, setting in SETTINGS.items()}
_TRUE = {"1", "yes", "y", "true", "t", "on"}
_FALSE = {"0", "no", "n", "false", "f", "off"}


def systemd_name(name: Name) -> str:
    """systemd's spelling of an enumerator: ``BPF_CGROUP_INET4_BIND`` -> ``BPFCgroupInet4Bind``.

    >>> systemd_name(Name("prog_type_xdp", "BPF_PROG_TYPE_XDP", 6, 6))
    'BPFProgTypeXdp'
    """
    rest = name.declared[4:] if name.declared.upper().startswith("BPF_") else name.declared
    return "BPF" + "".join(part[:1].upper() + part[1:].lower() for part in rest.split("_"))


def to_systemd(options: Options) -> tuple[list[str], list[str]]:
    """The service settings that give ``options``' masks, and what they cannot express."""
    # A token is never created in the initial user namespace: the service needs its own.
    lines = ["PrivateBPF=yes", "PrivateUsers=yes"]
    lost: list[str] = []
    for mask in options:
        if not mask:
            continue
        if mask.is_any:
            lines.append(f"{SETTINGS[mask.kind]}=any")
            continue
        lines.append(f"{SETTINGS[mask.kind]}=" + ",".join(systemd_name(n) for n in mask.shown))
        if mask.leftover:
            lost.append(f"{mask.kind.key}: bits {mask.leftover:#x} have no name")
    for key, value, default in (("uid", options.uid, 0), ("gid", options.gid, 0)):
        if value != default:
            lost.append(f"{key}={value}: systemd mounts bpffs for the service's own user")
    return lines, lost


@dataclass(frozen=True, slots=True)
class _Setting:
    key: str
    value: str
    line: int
    text: str
    start: int  # column of the value
    ignore: frozenset[Code]


def _settings(text: str, path: str, findings: list[Diagnostic]) -> Iterator[tuple[str, _Setting]]:
    """(section, setting) of each setting; continuation lines are joined."""
    section = ""
    pending: frozenset[Code] = frozenset()
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index]
        while line.endswith("\\") and index + 1 < len(lines):
            index += 1
            line = line[:-1] + " " + lines[index].lstrip()
        index += 1
        try:
            node = parse_line("systemd", line)
        except LineSyntaxError as error:
            findings.append(
                finding(Code.SYNTAX, f"unit file line: {error}", path, number, line, error.span)
            )
            continue
        comments = node.tokens("COMMENT")
        if comments:
            pending = pending | ignored_codes(str(comments[0]))
            continue
        header = node.first("section")
        if header is not None:
            section, pending = str(header.tokens("NAME")[0]), frozenset()
            continue
        setting = node.first("setting")
        if setting is None:
            continue
        key = setting.tokens("KEY")[0]
        values = setting.tokens("VALUE")
        start = (values[0].start_pos or 0) if values else len(line.rstrip())
        value = str(values[0]).rstrip() if values else ""
        yield section, _Setting(str(key), value, number, line, start, pending)
        pending = frozenset()


def _words(setting: _Setting) -> Iterator[tuple[str, int]]:
    """The comma-separated words of a value, with their columns."""
    position = 0
    for raw in setting.value.split(","):
        stripped = raw.strip()
        if stripped:
            yield stripped, setting.start + position + raw.index(stripped)
        position += len(raw) + 1


def _lookup(word: str, kind: OptionKind, catalog: Catalog) -> tuple[Name | None, str | None]:
    """The name ``word`` stands for, or None and a suggestion."""
    names = {systemd_name(name): name for name in catalog[kind].names}
    if word in names:
        return names[word], None
    folded = {ascii_lower(spelling): spelling for spelling in names}
    if ascii_lower(word) in folded:
        return None, folded[ascii_lower(word)]
    kernel = catalog[kind].lookup(word)
    if kernel is not None:
        return None, systemd_name(kernel)
    close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.7)
    return None, close[0] if close else None


def scan_unit(text: str, path: str, catalog: Catalog) -> Scan:
    """The bpffs data strings a unit makes systemd mount, and the unit's findings."""
    findings: list[Diagnostic] = []
    found: list[Found] = []
    mount: dict[str, _Setting] = {}
    private: _Setting | None = None
    users: _Setting | None = None
    delegate: dict[OptionKind, list[_Setting]] = {}
    for section, setting in _settings(text, path, findings):
        if section == "Mount" and setting.key in ("What", "Where", "Type", "Options"):
            mount[setting.key] = setting
        elif setting.key == "PrivateBPF":
            private = setting
        elif setting.key == "PrivateUsers":
            users = setting
        elif setting.key in _BY_SETTING:
            kind = _BY_SETTING[setting.key]
            if not setting.value:  # an empty assignment resets the list
                delegate[kind] = []
            delegate.setdefault(kind, []).append(setting)
    if "Type" in mount and mount["Type"].value == "bpf":
        found.append(_mount_found(mount, path))
    if any(settings for settings in delegate.values()):
        found.extend(
            _service_found(
                delegate, private, users=users, path=path, catalog=catalog, findings=findings
            )
        )
    return Scan.of(found, findings)


def _mount_found(mount: dict[str, _Setting], path: str) -> Found:
    where = mount["Where"].value if "Where" in mount else None
    if "Options" not in mount:
        first = mount["Type"]
        empty = Builder([(first.line, first.text)])
        return empty.found(
            path=path, end=(0, first.start), what=f"mount unit for {where}", target=where
        )
    options = mount["Options"]
    builder = Builder([(options.line, options.text)])
    kept, _ = kept_pieces(options.value)
    for number, (begin, end) in enumerate(kept):
        if number:
            builder.add_mapped(",", 0, [options.start + begin - 1])
        builder.add_mapped(
            options.value[begin:end], 0, list(range(options.start + begin, options.start + end))
        )
    return builder.found(
        path=path,
        end=(0, options.start + len(options.value)),
        what=f"mount unit for {where}",
        target=where,
        ignore=options.ignore,
    )


def _setting_pieces(
    setting: _Setting, kind: OptionKind, catalog: Catalog, path: str
) -> tuple[list[tuple[str, _Setting, int, int]], list[Diagnostic]]:
    """The kernel names of one setting's words, or the findings that make systemd drop it."""
    pieces: list[tuple[str, _Setting, int, int]] = []
    findings: list[Diagnostic] = []
    for word, column in _words(setting):
        if word == "any":
            pieces.append(("any", setting, column, column + 3))
            continue
        name, suggestion = _lookup(word, kind, catalog)
        if name is None:
            findings.append(
                finding(
                    Code.SYSTEMD_NAME,
                    f"{setting.key}=: {word!r} is not a {kind.noun} name systemd knows for "
                    f"kernel {catalog.label}: systemd ignores this whole assignment",
                    path,
                    setting.line,
                    setting.text,
                    Span(column, column + len(word)),
                    f"did you mean '{suggestion}'?" if suggestion else None,
                )
            )
            continue
        pieces.append((name.name, setting, column, column + len(word)))
    return pieces, findings


def _service_found(
    delegate: dict[OptionKind, list[_Setting]],
    private: _Setting | None,
    *,
    users: _Setting | None,
    path: str,
    catalog: Catalog,
    findings: list[Diagnostic],
) -> list[Found]:
    settings = [s for kind in OptionKind for s in delegate.get(kind, [])]
    settings.sort(key=lambda setting: not setting.value)  # point at one that names something
    enabled = private is not None and private.value.lower() in _TRUE
    if not enabled:
        first = settings[0]
        why = "is not set" if private is None else f"is {private.value!r}"
        findings.append(
            finding(
                Code.SYSTEMD_NO_PRIVATE_BPF,
                f"{first.key}= has no effect: PrivateBPF= {why}, so systemd mounts no bpffs",
                path,
                first.line,
                first.text,
                Span(0, len(first.key)),
                "add PrivateBPF=yes",
            )
        )
    elif users is None or users.value.lower() in _FALSE:
        # kernel/bpf/token.c: a token is never created in the initial user namespace
        first = settings[0]
        findings.append(
            finding(
                Code.SYSTEMD_NO_PRIVATE_USERS,
                f"{first.key}= without PrivateUsers=: the service runs in the initial user "
                "namespace, where BPF_TOKEN_CREATE always fails (EOPNOTSUPP)",
                path,
                first.line,
                first.text,
                Span(0, len(first.key)),
                "add PrivateUsers=yes (or self, identity, managed)",
            )
        )
    ignore: frozenset[Code] = frozenset()
    kept: dict[OptionKind, list[tuple[str, _Setting, int, int]]] = {}
    for kind in OptionKind:
        for setting in delegate.get(kind, []):
            ignore |= setting.ignore
            words, refused = _setting_pieces(setting, kind, catalog, path)
            findings.extend(refused)
            if not refused:  # systemd logs a bad assignment and ignores all of it
                kept.setdefault(kind, []).extend(words)
    lines: list[tuple[int, str]] = []
    for pieces in kept.values():
        for _, setting, _, _ in pieces:
            if (setting.line, setting.text) not in lines:
                lines.append((setting.line, setting.text))
    builder = Builder(lines)
    for kind, pieces in kept.items():
        if not pieces:
            continue
        first = pieces[0][1]
        index = lines.index((first.line, first.text))
        if builder.text:
            builder.add(",", index, 0, len(first.key))
        builder.add(f"{kind.key}=", index, 0, len(first.key))
        for number, (text, setting, start, end) in enumerate(pieces):
            index = lines.index((setting.line, setting.text))
            if number:
                builder.add(":", index, start - 1, start)
            builder.add(text, index, start, end)
    if not builder.text:
        return []
    return [
        builder.found(
            path=path, what="systemd BPFDelegate*= settings", target="/sys/fs/bpf", ignore=ignore
        )
    ]
