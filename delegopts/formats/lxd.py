"""LXD's ``security.delegate_bpf*`` keys, read exactly as LXD reads them.

What LXD does (canonical/lxd: ``lxd/instance/instancetype/instance.go``,
``shared/validate/validate_cgo.go`` ``IsBPFDelegationOption``,
``lxd/instance/drivers/driver_lxc.go`` ``onStartHostBPFDelegate``, ``lxd/main_forkmount.go``
``do_mount_bpffs``):

- ``security.delegate_bpf`` (a boolean: ``true``/``false``/``yes``/``no``/``on``/``off``/
  ``1``/``0``, any case) turns the feature on; without it the four type keys are ignored;
- ``security.delegate_bpf.cmd_types``, ``.map_types``, ``.prog_types``, ``.attach_types``
  are the kernel's own syntax (``:``-separated names, ``any``, numbers), handed to
  ``fsconfig`` verbatim: no trimming, no splitting, so a ``,`` or a blank is refused;
- each value is checked when it is set, by a trial ``fsconfig`` on the LXD host's kernel,
  with only ``Invalid cmds option value: ...`` as the answer;
- at start, each unset or empty key is handed over as ``0`` (nothing delegated, the same as
  leaving it out, so the string below leaves it out); bpffs is always mounted at
  ``/sys/fs/bpf``; ``uid``, ``gid`` and ``mode`` are never set (the mount belongs to the
  container's root, as the helper creates it after entering the container's user namespace);
- a privileged container gets the mount too, but has no user namespace of its own, and the
  kernel creates BPF tokens only in one (``BPF_TOKEN_CREATE`` fails).

>>> text = "lxc config set c1 security.delegate_bpf=true\\n"
>>> text += "lxc config set c1 security.delegate_bpf.cmd_types=prog_load:map_create\\n"
>>> scan_lxd(text, "x").found[0].options
'delegate_cmds=prog_load:map_create'
"""

from __future__ import annotations

import difflib

from delegopts.catalog import OptionKind
from delegopts.diagnostics import Code
from delegopts.formats._found import Found, Scan
from delegopts.formats._manager import (
    BTF_LOAD_MESSAGE,
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
)
from delegopts.formats.container import (
    Config,
    Configs,
    Setting,
    read_configs,
)
from delegopts.options import Options

__all__ = ["ENABLE_KEY", "KEYS", "MOUNT_POINT", "scan_lxd", "scan_lxd_configs", "to_lxd"]

ENABLE_KEY = "security.delegate_bpf"
MOUNT_POINT = "/sys/fs/bpf"
_SUFFIX = {"delegate_cmds": "cmd_types", "delegate_maps": "map_types",
           "delegate_progs": "prog_types", "delegate_attachs": "attach_types"}  # fmt: skip
#: The keys in the order LXD hands them to the kernel.
KEYS = {f"{ENABLE_KEY}.{_SUFFIX[kind.key]}": kind for kind in OptionKind if kind.key in _SUFFIX}
_BOOLEANS = ("true", "false", "yes", "no", "1", "0", "on", "off")


def to_lxd(options: Options) -> tuple[list[str], list[str]]:
    """``key=value`` lines for ``lxc config set``, and what LXD cannot express."""
    names = {kind.key: key for key, kind in KEYS.items()}
    values = mask_values(options, ":")
    lines = [f"{ENABLE_KEY}=true"] if values else []
    lines += [f"{names[key]}={value}" for key, value in values]
    return lines, owner_lost(options, "LXD")


def scan_lxd(text: str, path: str, shape: str | None = None) -> Scan:
    """The option strings LXD hands the kernel for each configuration in ``text``."""
    return scan_lxd_configs(read_configs(text, path, shape), path)


def scan_lxd_configs(configs: Configs, path: str) -> Scan:
    return scan_with(configs, path, ENABLE_KEY, _config)


def _config(config: Config, note: Notes) -> Found | None:
    """The option string LXD makes of ``config``, or None when it mounts nothing."""
    if config.shape == "YAML":  # lxc reads YAML with yaml.v2's Unmarshal: the last one wins
        for lost in config.repeated:
            if lost.key.startswith(ENABLE_KEY) or lost.key == "security.privileged":
                message = f"{lost.key} is written twice in one map: LXD keeps the later "
                message += "value and drops this one without a word"
                note(Code.LXD_REPEATED_KEY, message, lost, "keep one of them", on_key=True)
    for key, given in config.settings.items():
        if key.startswith(ENABLE_KEY) and key != ENABLE_KEY and key not in KEYS:
            close = difflib.get_close_matches(key, [ENABLE_KEY, *KEYS], n=1, cutoff=0.8)
            fix = f"did you mean '{close[0]}'?" if close else None
            message = f"{key!r} is not an LXD key: LXD refuses it ('Unknown configuration key')"
            note(Code.LXD_KEY, message, given, fix, on_key=True)
        elif key.startswith("security.bpffs."):
            message = f"{key!r} is an Incus key: LXD refuses it"
            fix = "LXD writes security.delegate_bpf=true and security.delegate_bpf.cmd_types..."
            note(Code.OTHER_MANAGER_KEY, message, given, fix, on_key=True)
    if refused_on_vm(config, ENABLE_KEY, Code.LXD_KEY, note):
        return None
    enable = config.settings.get(ENABLE_KEY)
    types = [config.settings[key] for key in KEYS if key in config.settings]
    if enable is not None and enable.value and enable.value.lower() not in _BOOLEANS:
        message = f"security.delegate_bpf={enable.value!r} is refused by LXD: 'Invalid value "
        message += "for a boolean'"
        note(Code.LXD_BOOLEAN, message, enable, "write true or false")
        return None
    if enable is None or enable.value.lower() not in TRUE_WORDS:
        if types:
            message = "security.delegate_bpf is not true: LXD mounts no bpffs and ignores "
            message += "the security.delegate_bpf.* types"
            fix = "set security.delegate_bpf=true"
            note(Code.LXD_NOT_ENABLED, message, enable or types[0], fix, on_key=enable is None)
        return None
    privileged = config.settings.get("security.privileged")
    if privileged is not None and privileged.value.lower() in TRUE_WORDS:
        message = "security.privileged is true: LXD mounts bpffs, but a privileged container has "
        message += "no user namespace of its own and BPF_TOKEN_CREATE fails there"
        note(Code.PRIVILEGED, message, privileged, "unset security.privileged")
    assembler = Assembler(note.source)
    for key, kind in KEYS.items():
        setting = config.settings.get(key)
        if setting is not None:
            _add_value(assembler, key, kind.key, setting, note)
    end = None if assembler.chars else key_where(enable)[:2]
    return assembler.found(
        note.path, end=end, what=label("LXD", config), target=MOUNT_POINT, manager="LXD"
    )


def _add_value(assembler: Assembler, key: str, option: str, setting: Setting, note: Notes) -> None:
    """``option=value`` as LXD hands it to fsconfig: the value as it is."""
    if not setting.value:
        note(Code.MANAGER_EMPTY, f"{key} is empty: LXD hands the kernel {option}=0", setting)
        return
    comma = setting.value.find(",")
    if comma >= 0:
        line, column = setting.chars[comma]
        message = f"',' in {key}: LXD hands the value to the kernel whole, and the kernel "
        message += f"refuses it (EINVAL): LXD says 'Invalid {option[9:]} option value'"
        fix = "separate names with ':' (" + setting.value.replace(",", ":").replace(" ", "") + ")"
        note.at(Code.LXD_COMMA, message, (line, column, column + 1), fix)
        return
    if assembler.chars:
        assembler.add(",", key_where(setting))
    assembler.add_key(option, key_where(setting))
    assembler.add_chars(setting.value, setting.chars)
    if option == "delegate_cmds" and lacks_btf_load(setting.value):
        note(Code.NO_BTF_LOAD, BTF_LOAD_MESSAGE, setting, f"add btf_load: {setting.value}:btf_load")
