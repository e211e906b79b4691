"""Incus's ``security.bpffs.*`` keys, read exactly as Incus reads them.

What Incus does (lxc/incus: ``internal/instance/config.go``, ``shared/validate``,
``internal/server/instance/drivers/driver_lxc.go`` ``bpfTokenConfig``,
``cmd/incusd/main_forkbpf.go`` ``setBpfDelegate``):

- ``incus config set`` accepts any value (``validate.Optional(IsListOf(IsAny))``): a bad
  name fails only when the container starts, with ``Failed to set delegate_cmds=... on bpf
  fs: invalid argument``. The keys exist for containers only (a VM refuses them) and are
  refused in restricted projects;
- the keys are ignored when ``security.privileged`` is true (``util.IsTrue``: ``true``,
  ``1``, ``yes``, ``on``, any case): no bpffs is mounted;
- bpffs is mounted when any of the four raw values is not empty, at ``security.bpffs.path``
  (empty: ``/sys/fs/bpf``; must be absolute);
- each value is split on ``,``, each item trimmed (Go's ``strings.TrimSpace``), empty items
  dropped, and the rest joined with ``:``; a value left with no item is not set at all;
- the four keys are set with ``fsconfig`` in the order cmds, maps, progs, attachs, each as
  one string (so ``:`` inside an item also separates names); ``uid``, ``gid`` and ``mode``
  are never set: the kernel's defaults apply (the creating process's owner, mode 0777).

>>> from delegopts.errors import Span
>>> scan = scan_incus("security.bpffs.delegate_cmds: map_create, obj_get,\\n", "c.yaml")
>>> scan.found[0].options, scan.found[0].locate(Span(25, 32))[2]
('delegate_cmds=map_create:obj_get', Span(start=42, end=49))
"""

from __future__ import annotations

import difflib

from delegopts.catalog import OptionKind
from delegopts.diagnostics import Code
from delegopts.formats._found import Found, Scan
from delegopts.formats._manager import (
    BTF_LOAD_MESSAGE,
    GO_SPACE,
    TRUE_WORDS,
    Assembler,
    Notes,
    key_where,
    label,
    lacks_btf_load,
    mask_values,
    owner_lost,
    refused_on_vm,
    scan_with,
    value_where,
)
from delegopts.formats.container import (
    Config,
    Configs,
    Setting,
    read_configs,
)
from delegopts.options import Options

__all__ = ["DEFAULT_PATH", "KEYS", "PATH_KEY", "PREFIX", "incus_items", "scan_incus", "to_incus"]

PREFIX = "security.bpffs."
PATH_KEY = "security.bpffs.path"
DEFAULT_PATH = "/sys/fs/bpf"
#: The keys in the order Incus hands them to the kernel.
KEYS = {f"{PREFIX}{kind.key}": kind for kind in OptionKind if kind.key.startswith("delegate_")}


def incus_items(setting: Setting) -> list[tuple[str, list[tuple[int, int]], int | None]]:
    """The trimmed, non-empty items of a value: text, char positions, index of the ``,`` before.

    >>> s = Setting("k", " a , ,b", tuple((0, c) for c in range(7)), (0, 0), (0, 0, 1))
    >>> [(text, comma) for text, _, comma in incus_items(s)]
    [('a', None), ('b', 5)]
    """
    items: list[tuple[str, list[tuple[int, int]], int | None]] = []
    start = 0
    comma: int | None = None
    value = setting.value
    while start <= len(value):
        end = value.find(",", start)
        end = len(value) if end < 0 else end
        raw = value[start:end]
        text = raw.strip(GO_SPACE)
        if text:
            offset = start + len(raw) - len(raw.lstrip(GO_SPACE))
            chars = list(setting.chars[offset : offset + len(text)])
            items.append((text, chars, comma if items else None))
        comma = end
        start = end + 1
    return items


def to_incus(options: Options) -> tuple[list[str], list[str]]:
    """``key=value`` lines for ``incus config set``, and what Incus cannot express.

    >>> from delegopts.semantics import parse
    >>> from delegopts.catalog import Catalog
    >>> to_incus(parse("delegate_maps=0x1", Catalog.running_kernel().without_names()))
    (['security.bpffs.delegate_maps=0x1'], [])
    """
    lines = [f"{PREFIX}{key}={value.replace(':', ',')}" for key, value in mask_values(options, ":")]
    return lines, owner_lost(options, "Incus")


def scan_incus(text: str, path: str, shape: str | None = None) -> Scan:
    """The option strings Incus hands the kernel for each configuration in ``text``."""
    configs = read_configs(text, path, shape)
    return scan_configs(configs, path)


def scan_configs(configs: Configs, path: str) -> Scan:
    return scan_with(configs, path, PREFIX, _config)


def _config(config: Config, note: Notes) -> Found | None:
    """The option string Incus makes of ``config``, or None when it mounts nothing."""
    _check_keys(config, note)
    if refused_on_vm(config, PREFIX, Code.INCUS_KEY, note):
        return None
    privileged = config.settings.get("security.privileged")
    if privileged is not None and privileged.value.lower() in TRUE_WORDS:
        note(
            Code.PRIVILEGED,
            "security.privileged is true: Incus mounts no bpffs in a privileged container "
            "and ignores every security.bpffs.* key",
            privileged,
            "BPF tokens need the container's own user namespace: unset security.privileged",
        )
        return None
    where_path = config.settings.get(PATH_KEY)
    target = DEFAULT_PATH
    if where_path is not None and where_path.value:
        target = where_path.value
        if not target.startswith("/"):
            note(
                Code.BPFFS_PATH,
                f"security.bpffs.path {target!r} is refused by Incus: 'Must be absolute file path'",
                where_path,
                "write an absolute path",
            )
            return None
    present = [config.settings[key] for key in KEYS if key in config.settings]
    if not any(setting.value for setting in present):
        if present:
            note(
                Code.MANAGER_EMPTY,
                "every security.bpffs.delegate_* key is empty: Incus mounts no bpffs",
                present[0],
            )
        return None
    assembler = Assembler(note.source)
    for key, kind in KEYS.items():
        setting = config.settings.get(key)
        if setting is not None:
            _add_value(assembler, key, kind.key, setting, note)
    end = None if assembler.chars else value_where(present[0])[:2]
    what = label("Incus", config)
    return assembler.found(note.path, end=end, what=what, target=target, manager="Incus")


def _check_keys(config: Config, note: Notes) -> None:
    """Keys Incus refuses: repeated in YAML, unknown, or LXD's."""
    if config.shape == "YAML":  # Go's JSON keeps the last; a command line just sets again
        for setting in config.repeated:
            message = f"{setting.key} is written twice in one map: Incus refuses the document "
            message += "('mapping key already defined')"
            note(Code.REPEATED_KEY, message, setting, "keep one of them", on_key=True)
    for key, setting in config.settings.items():
        if key.startswith(PREFIX) and key not in KEYS and key != PATH_KEY:
            close = difflib.get_close_matches(key, [*KEYS, PATH_KEY], n=1, cutoff=0.8)
            note(
                Code.INCUS_KEY,
                f"{key!r} is not an Incus key: Incus refuses it ('Unknown configuration key')",
                setting,
                f"did you mean '{close[0]}'?" if close else None,
                on_key=True,
            )
    for key, setting in config.settings.items():
        if key.startswith("security.delegate_bpf"):
            note(
                Code.OTHER_MANAGER_KEY,
                f"{key!r} is an LXD key: Incus refuses it",
                setting,
                "Incus writes security.bpffs.delegate_cmds, _maps, _progs, _attachs",
                on_key=True,
            )


def _add_value(assembler: Assembler, key: str, option: str, setting: Setting, note: Notes) -> None:
    """``option=items`` as Incus hands it to fsconfig: items trimmed, joined with ':'."""
    items = incus_items(setting)
    if not items:
        if setting.value:  # blanks or commas: bpffs is mounted all the same, without it
            note(
                Code.MANAGER_EMPTY,
                f"{key} has no item once Incus trims it: Incus sets no {option}, "
                "and still mounts bpffs",
                setting,
                "remove the key, or name what to delegate",
            )
        return
    if assembler.chars:
        assembler.add(",", key_where(setting))
    assembler.add_key(option, key_where(setting))
    for text, chars, comma in items:
        if comma is not None:  # the ',' Incus split on stands for the ':' it joins with
            assembler.add_chars(":", [setting.chars[comma]])
        assembler.add_chars(text, chars)
    names = [text for text, _, _ in items]
    if option == "delegate_cmds" and lacks_btf_load(":".join(names)):
        fix = f"add btf_load: {','.join([*names, 'btf_load'])}"
        note(Code.NO_BTF_LOAD, BTF_LOAD_MESSAGE, setting, fix)
