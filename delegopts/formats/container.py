"""Container manager configurations in every shape users paste, as one model: :class:`Config`.

Incus and LXD keep an instance's or a profile's settings as a map of string keys to string
values. Users paste that map in many shapes, and each shape is read here with the line and
column of every key and of every character of every value:

- ``incus config show [--expanded]`` / ``incus config edit`` (instance), ``incus profile
  show`` (profile), ``lxc config show``, ``lxc profile show``: YAML with a ``config:`` map;
- ``incus list --format yaml|json``, ``incus query /1.0/instances?recursion=1``: a list of
  instances, each with its ``config`` and ``expanded_config`` (the latter wins: it is what
  the manager's driver reads); ``incus query /1.0/instances/NAME``: one instance in JSON;
  ``incus admin init --dump`` / preseeds: profiles under ``profiles:``;
- a bare map of keys (``security.bpffs.delegate_cmds: any`` lines);
- command lines: ``incus config set NAME key=value...``, the legacy ``config set NAME key
  value``, ``profile set``, ``config unset``, ``launch|init|create ... -c key=value``; a
  ``start NAME`` (or a ``launch``) marks the moment the settings reach the kernel;
- ``key=value`` lines.

>>> configs = read_configs("config:\\n  security.bpffs.delegate_cmds: any\\nname: c1\\n", "x")
>>> [(c.name, c.settings["security.bpffs.delegate_cmds"].value) for c in configs.configs]
[('c1', 'any')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from delegopts.errors import Span
from delegopts.formats._yamlpos import (
    Source,
    YamlError,
    load,
    lookup,
    pairs,
    scalar_positions,
    string_of,
)
from delegopts.formats.cmdline import Word, split_words
from delegopts.grammar.lines import LineSyntaxError

__all__ = [
    "MANAGER_PREFIXES",
    "Config",
    "Configs",
    "Setting",
    "detect_shape",
    "read_configs",
]

#: Key prefixes that make a map a manager configuration worth reading.
MANAGER_PREFIXES = ("security.bpffs.", "security.delegate_bpf")
_MAX_DEPTH = 12
_KV_LINE = re.compile(r"\s*([A-Za-z0-9_][A-Za-z0-9_.\-/]*)\s*(=|:(?=\s|$))")
_PROMPT = re.compile(r"^\s*(?:[^\s$#]*[$#]\s+)?")
_CLIENTS = ("incus", "lxc")
_WRAPPERS = ("sudo", "doas", "env", "command", "exec")
#: Flags of the clients' set/launch commands that take a value (``--flag value``).
_FLAGS_WITH_VALUE = {
    "-p",
    "--profile",
    "-c",
    "--config",
    "-d",
    "--device",
    "-n",
    "--network",
    "-s",
    "--storage",
    "-t",
    "--type",
    "--target",
    "--project",
    "--description",
}


@dataclass(frozen=True, slots=True)
class Setting:
    """One key and its value, with positions: 0-based lines, 0-based columns.

    ``chars[i]`` is (line, column) of ``value[i]`` in the input; ``at`` is where the value
    is written (or would be, when empty); ``key_at`` is (line, start, end) of the key.
    """

    key: str
    value: str
    chars: tuple[tuple[int, int], ...]
    at: tuple[int, int]
    key_at: tuple[int, int, int]

    @property
    def line(self) -> int:
        return self.key_at[0]


@dataclass(frozen=True, slots=True)
class Trouble:
    """An input the shape's own syntax refuses: message, 0-based line and columns, fix."""

    message: str
    line: int
    start: int
    end: int
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """One instance's or profile's settings as the manager will read them.

    ``kind`` is ``instance``, ``vm`` (a virtual machine), ``profile`` or ``config`` (a map
    of unknown owner);
    ``repeated`` holds the settings a later one of the same key replaces.
    """

    kind: str
    name: str | None
    settings: dict[str, Setting]
    line: int
    shape: str
    repeated: tuple[Setting, ...] = ()
    moment: str | None = None
    troubles: tuple[Trouble, ...] = ()

    def has_any(self, prefixes: tuple[str, ...] = MANAGER_PREFIXES) -> bool:
        """Whether a key with ``prefixes`` is set (or written, but not as a string)."""
        written = (trouble.message for trouble in self.troubles)  # each names its key first
        return any(key.startswith(prefixes) for key in (*self.settings, *written))


@dataclass(frozen=True, slots=True)
class Configs:
    """What one input holds: its shape, its configurations, and what could not be read."""

    shape: str
    source: Source
    configs: tuple[Config, ...] = ()
    troubles: tuple[Trouble, ...] = field(default=())


def detect_shape(text: str) -> str:
    """``commands``, ``keyvalue`` or ``yaml`` (YAML and JSON), by content.

    >>> detect_shape("incus config set c1 security.bpffs.delegate_cmds=any")
    'commands'
    >>> detect_shape("security.delegate_bpf=true\\n")
    'keyvalue'
    >>> detect_shape("security.delegate_bpf: 'true'\\n")
    'yaml'
    >>> detect_shape('{"config": {}}')
    'yaml'
    """
    lines = [line for line in text.splitlines() if line.strip() and not _comment(line)]
    if any(_client_words(line) is not None for line in lines):
        return "commands"
    matches = [_KV_LINE.match(line) for line in lines]
    if lines and all(matches) and any(m.group(2) == "=" for m in matches if m):
        return "keyvalue"  # key=value lines, perhaps with some key: value ones among them
    return "yaml"


def read_configs(text: str, path: str, shape: str | None = None) -> Configs:
    """Every configuration in ``text`` (from ``path``), in the shape given or detected."""
    del path
    shape = shape or detect_shape(text)
    source = Source(text)
    if shape == "commands":
        return _from_commands(source)
    if shape == "keyvalue":
        return _from_key_values(source)
    return _from_yaml(source)


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


# -- YAML and JSON -----------------------------------------------------------------------


def _from_yaml(source: Source) -> Configs:
    try:
        documents = load(source.text)
    except YamlError as error:
        line, column = source.where(error.index)
        trouble = Trouble(f"not YAML or JSON: {error.message}", line, column, column + 1)
        return Configs("yaml", source, (), (trouble,))
    configs: list[Config] = []
    seen: set[int] = set()
    for document in documents:
        _walk(document, source, configs, seen, 0)
    return Configs("yaml", source, tuple(configs))


def _walk(  # noqa: PLR0917
    node: yaml.Node,
    source: Source,
    out: list[Config],
    seen: set[int],
    depth: int,
    under: str | None = None,
) -> None:
    """Find every configuration map under ``node`` (bounded: aliases may make cycles);
    ``under`` is the key whose value holds ``node`` (``profiles`` in a preseed)."""
    if depth > _MAX_DEPTH or id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, source, out, seen, depth + 1, under)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    expanded, local = lookup(node, "expanded_config"), lookup(node, "config")
    block = expanded if isinstance(expanded, yaml.MappingNode) and pairs(expanded) else local
    if isinstance(block, yaml.MappingNode):
        seen.update((id(expanded), id(local)))  # the local map is part of the expanded one
        out.append(_config_of(node, block, source, under))
    elif any(key.value.startswith(MANAGER_PREFIXES) for key, _ in pairs(node)):
        out.append(_config_of(None, node, source))
        return
    for key, value in pairs(node):
        _walk(value, source, out, seen, depth + 1, key.value)


def _config_of(
    owner: yaml.Node | None, block: yaml.MappingNode, source: Source, under: str | None = None
) -> Config:
    name_node = lookup(owner, "name") if owner is not None else None
    name = string_of(name_node) if name_node is not None else None
    kind = "profile" if under == "profiles" else "config"
    if owner is not None:
        keys = {key.value for key, _ in pairs(owner)}
        if keys & {"used_by"} and "architecture" not in keys:
            kind = "profile"
        elif keys & {"architecture", "profiles", "expanded_config", "ephemeral", "stateful"}:
            kind = "instance"
        kind_node = lookup(owner, "type")
        kind_of = string_of(kind_node) if kind_node is not None else None
        if kind_of is not None and kind_of.value == "virtual-machine":
            kind = "vm"
    settings: dict[str, Setting] = {}
    repeated: list[Setting] = []
    troubles: list[Trouble] = []
    for key, value in pairs(block):
        setting = _yaml_setting(key, value, source)
        if setting is None:
            if key.value.startswith(MANAGER_PREFIXES):  # Go's map[string]string refuses it
                line, column = source.where(value.start_mark.index)
                node_kind = value.tag.rsplit(":", 1)[-1]
                message = f"{key.value} holds a {node_kind}, not a string: the manager's YAML "
                message += f"reader refuses it ('cannot unmarshal !!{node_kind} into string')"
                troubles.append(Trouble(message, line, column, column + 1, "write one string"))
            continue
        if setting.key in settings:
            repeated.append(settings[setting.key])
        settings[setting.key] = setting
    line = source.where(block.start_mark.index)[0]
    shape = "JSON" if source.text.lstrip()[:1] in "{[" else "YAML"
    name_text = name.value if name else None
    return Config(kind, name_text, settings, line, shape, tuple(repeated), None, tuple(troubles))


def _yaml_setting(key: yaml.ScalarNode, value: yaml.Node, source: Source) -> Setting | None:
    string = string_of(value)
    if string is None:
        return None
    chars = tuple(source.where(index) for index in scalar_positions(value, source.text))
    at = source.where(value.start_mark.index)
    if not string.value and value.start_mark.index == value.end_mark.index:
        at = source.where(key.end_mark.index + 1)  # after 'key:' when nothing is written
    start = source.where(key.start_mark.index)
    end = source.where(key.end_mark.index)
    key_end = end[1] if end[0] == start[0] else len(source.lines[start[0]])
    return Setting(key.value, string.value, chars, at, (start[0], start[1], key_end))


# -- key=value lines ---------------------------------------------------------------------


def _from_key_values(source: Source) -> Configs:
    settings: dict[str, Setting] = {}
    repeated: list[Setting] = []
    troubles: list[Trouble] = []
    first = None
    for number, line in enumerate(source.lines):
        if not line.strip() or _comment(line):
            continue
        match = _KV_LINE.match(line)
        if match is None:
            troubles.append(
                Trouble("not a key=value line", number, 0, max(len(line), 1), "write key=value")
            )
            continue
        key = match.group(1)
        start = match.end()
        value = line[start:].rstrip()
        value = re.sub(r"\s+#.*$", "", value)  # a comment after it, as YAML and shells have
        start += len(value) - len(value.lstrip())  # 'key = value': blanks are layout
        value = value.strip()
        columns = list(range(start, start + len(value)))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value, columns = value[1:-1], columns[1:-1]  # key="value", as in shell scripts
        chars = tuple((number, column) for column in columns)
        setting = Setting(
            key, value, chars, (number, start), (number, match.start(1), match.end(1))
        )
        if key in settings:
            repeated.append(settings[key])
        settings[key] = setting
        first = number if first is None else first
    configs = (Config("config", None, settings, first or 0, "key=value lines", tuple(repeated)),)
    return Configs("keyvalue", source, configs if settings else (), tuple(troubles))


# -- command lines -----------------------------------------------------------------------


def _client_words(line: str) -> list[Word] | None:
    """The words of an ``incus``/``lxc`` command line, or None when it is not one."""
    body = _PROMPT.sub("", line, count=1) if not _comment(line) else ""
    if not body.split(None, 1) or body.split(None, 1)[0].rsplit("/", 1)[-1] not in (
        *_CLIENTS,
        *_WRAPPERS,
    ):
        return None
    offset = len(line) - len(body)
    try:
        words = split_words(line[offset:].rstrip())
    except LineSyntaxError:  # a line the shell could not split: not one of ours
        return None
    words = _shift(words, offset)
    while words and words[0].text.rsplit("/", 1)[-1] in _WRAPPERS:
        words = words[1:]
    if not words or words[0].text.rsplit("/", 1)[-1] not in _CLIENTS:
        return None
    for index, word in enumerate(words):  # a shell comment ends the command
        if line[word.span.start] == "#":
            return list(words[:index])
    return list(words)


def _shift(words: list[Word], offset: int) -> list[Word]:
    if not offset:
        return words
    return [
        Word(
            w.text,
            tuple(c + offset for c in w.columns),
            Span(w.span.start + offset, w.span.end + offset),
        )
        for w in words
    ]


@dataclass
class _Owner:
    kind: str
    name: str
    settings: dict[str, Setting] = field(default_factory=dict)
    repeated: list[Setting] = field(default_factory=list)
    line: int = 0
    changed: bool = False


def _from_commands(source: Source) -> Configs:
    owners: dict[tuple[str, str], _Owner] = {}
    configs: list[Config] = []
    troubles: list[Trouble] = []
    client = "incus"

    def owner(kind: str, name: str, line: int) -> _Owner:
        found = owners.setdefault((kind, name), _Owner(kind, name, line=line))
        return found

    def snapshot(entry: _Owner, moment: str | None) -> None:
        if entry.settings:
            configs.append(
                Config(
                    entry.kind,
                    entry.name,
                    dict(entry.settings),
                    entry.line,
                    f"{client} commands",
                    tuple(entry.repeated),
                    moment,
                )
            )
        entry.changed = False
        entry.repeated = []

    for number, line in enumerate(source.lines):
        words = _client_words(line)
        if words is None:
            continue
        client = words[0].text.rsplit("/", 1)[-1]
        texts = [w.text for w in words]
        verb = " ".join(texts[1:3])
        if verb in ("config set", "profile set", "config unset", "profile unset"):
            kind = "profile" if texts[1] == "profile" else "instance"
            plain, values = _arguments(words[3:])
            unset = texts[2] == "unset"
            if not plain:
                continue  # server settings: no instance involved
            name = plain[0].text
            entry = owner(kind, name, number)
            if unset:
                for word in plain[1:]:
                    entry.settings.pop(word.text, None)
                continue
            pairs_ = values or _legacy(plain[1:], number, troubles)
            for setting in (_word_setting(w, number, second) for w, second in pairs_):
                if setting is None:
                    continue
                if setting.key in entry.settings:
                    entry.repeated.append(entry.settings[setting.key])
                entry.settings[setting.key] = setting
                entry.changed = True
        elif texts[1:2] and texts[1] in ("launch", "init", "create"):
            plain, values = _arguments(words[2:])
            if len(plain) < 2:
                continue  # no name: the manager picks one
            entry = owner("instance", plain[1].text, number)
            if "--vm" in texts:
                entry.kind = "vm"
            for word, _ in values:
                setting = _word_setting(word, number, None)
                if setting is not None:
                    entry.settings[setting.key] = setting
                    entry.changed = True
            if texts[1] == "launch":
                snapshot(entry, f"launched at line {number + 1}")
        elif texts[1:2] == ["start"]:
            plain, _ = _arguments(words[2:])
            for word in plain:
                started = owners.get(("instance", word.text))
                if started is not None:
                    snapshot(started, f"started at line {number + 1}")
    for entry in owners.values():
        if entry.changed or entry.kind == "profile":
            snapshot(entry, None)
    return Configs("commands", source, tuple(configs), tuple(troubles))


def _arguments(words: list[Word]) -> tuple[list[Word], list[tuple[Word, Word | None]]]:
    """Positional words, and ``key=value`` words (positional, or values of ``-c``)."""
    plain: list[Word] = []
    values: list[tuple[Word, Word | None]] = []
    index = 0
    while index < len(words):
        word = words[index]
        text = word.text
        if not text.startswith("-") or len(text) == 1:
            if "=" in text and plain:
                values.append((word, None))
            else:
                plain.append(word)
            index += 1
            continue
        # cobra's spellings: --flag value, --flag=value, -f value, -fvalue
        long = text.startswith("--")
        flag = text.split("=", 1)[0] if long else text[:2]
        inline = len(flag) + (1 if long else 0) if len(text) > len(flag) else None
        if flag in _FLAGS_WITH_VALUE:
            if inline is None:
                index += 1
                taken = words[index] if index < len(words) else None
            else:
                taken = _tail(word, inline)
            if flag in ("-c", "--config") and taken is not None:
                values.append((taken, None))
        index += 1
    return plain, values


def _tail(word: Word, start: int) -> Word:
    """The part of a word from character ``start`` (``--config=k=v`` holds ``k=v``)."""
    columns = word.columns[start:]
    first = columns[0] if columns else word.span.end
    return Word(word.text[start:], columns, Span(first, word.span.end))


def _legacy(
    words: list[Word], number: int, troubles: list[Trouble]
) -> list[tuple[Word, Word | None]]:
    """``config set NAME KEY VALUE``: the old form, one key and its value as two words."""
    if len(words) == 2:
        return [(words[0], words[1])]
    if words:
        first = words[0].span
        troubles.append(
            Trouble(
                "a setting without '=' and without a value",
                number,
                first.start,
                first.end,
                "write KEY=VALUE",
            )
        )
    return []


def _word_setting(word: Word, number: int, second: Word | None) -> Setting | None:
    text: str = word.text
    columns: tuple[int, ...] = word.columns
    span = word.span
    if second is not None:
        value_word_text: str = second.text
        value_columns: tuple[int, ...] = second.columns
        key_end = columns[-1] + 1 if columns else span.end
        chars = tuple((number, c) for c in value_columns)
        at = (number, second.span.start)
        return Setting(text, value_word_text, chars, at, (number, span.start, key_end))
    key, equals, value = text.partition("=")
    if not equals or not key:
        return None
    key_end = columns[len(key) - 1] + 1
    value_columns = columns[len(key) + 1 :]
    chars = tuple((number, c) for c in value_columns)
    at = (number, value_columns[0] if value_columns else columns[len(key)] + 1)
    return Setting(key, value, chars, at, (number, columns[0], key_end))
