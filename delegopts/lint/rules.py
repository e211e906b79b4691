"""The rule catalog: every code delegopts reports, with an input that triggers it.

``example`` triggers the rule on kernel ``kernel`` (one of the shipped real kernels);
``near_miss`` is a close input that must not. ``form`` is what the example is: an option
string, or a line of an fstab, mountinfo, unit, Incus or LXD file or mount command line.
``reported`` says where the rule comes from: ``parse`` (while reading the string),
``lint`` (cross-option and risk rules), ``error`` (the kernel refuses the mount: see
:func:`delegopts.lint.classify_error`), ``format`` (the file around the options) or
``objects`` (``check --for``: compared with BPF objects that need exactly ``needs``).

>>> rule_for("D401").example
'delegate_cmds=btf_load,delegate_maps=hash'
>>> rule_for("no-bpffs-type").form
'fstab'
>>> [rule.code for rule in RULES] == list(Code)
True
"""

from __future__ import annotations

from typing import Any, Literal

from delegopts._namedtuple import NamedTuple
from delegopts.diagnostics import Code

__all__ = ["RULES", "Form", "Reported", "Rule", "rule_for"]

#: What a rule's example is.
Form = Literal["options", "fstab", "mountinfo", "unit", "incus", "lxd", "command"]
#: Where a rule's finding comes from.
Reported = Literal["parse", "lint", "error", "format", "objects"]


class Rule(NamedTuple):
    code: Code
    example: str
    near_miss: str
    kernel: str = "6.18.44"
    reported: Reported = "lint"
    form: Form = "options"
    needs: str = ""  # for "objects": what the objects need (btf_load as BTF-only)

    @property
    def category(self) -> str:
        value = self.code.value
        return _CATEGORIES[value[:2] if value.startswith("F") else value[1]]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "name": self.code.slug,
            "severity": self.code.severity.value,
            "category": self.category,
            "summary": self.code.summary,
            "example": self.example,
            "near_miss": self.near_miss,
            "kernel": self.kernel,
            "reported": self.reported,
            "form": self.form,
            "needs": self.needs,
        }


_CATEGORIES = {
    "1": "silently ignored",
    "2": "silently lost",
    "3": "spelling",
    "4": "cannot work",
    "5": "risk",
    "6": "for the objects",
    "I": "refused",
    "R": "refused",
    "F1": "fstab and mountinfo",
    "F2": "systemd",
    "F3": "mount command line",
    "F4": "Incus and LXD",
}

_P: Reported = "parse"
_E: Reported = "error"
_F: Reported = "format"
_O: Reported = "objects"
_XDP = "delegate_cmds=prog_load,delegate_progs=xdp"
_XDP_NEEDS = f"{_XDP},delegate_attachs=xdp"
_UNIT = "[Service]\nPrivateBPF=yes\nPrivateUsers=yes\n"
_INCUS = "security.bpffs.delegate_cmds: "
_LXD = "security.delegate_bpf: 'true'\n"
_LXD_TYPES = "security.delegate_bpf.cmd_types: "
_LXD_NESTED = f"security.delegate_bpf: 'true'\n  {_LXD_TYPES}"
_INFO = "36 25 0:32 / /sys/fs/bpf/t rw,relatime shared:9 - bpf bpffs rw,"
_LOAD = "delegate_cmds=prog_load"
RULES: tuple[Rule, ...] = (
    Rule(Code.UNKNOWN_KEY, "delegate_cmd=any", "delegate_cmds=any", reported=_P),
    Rule(Code.KEY_NOT_IN_KERNEL, "delegate_cmds=any", "mode=0700", "6.1.170", _P),
    Rule(Code.VFS_FLAG, "ro,delegate_cmds=any", "delegate_cmds=any", reported=_P),
    Rule(Code.EMPTY_KEY, "=any", "delegate_cmds=any", reported=_P),
    Rule(Code.EMPTY_PIECE, "uid=1,,gid=2", "uid=1,gid=2", reported=_P),
    Rule(Code.TRUNCATED, "uid=1\0gid=2", "uid=1,gid=2", reported=_P),
    Rule(Code.NUMBER_REPLACES, "delegate_cmds=prog_load:0x1", "delegate_cmds=0x1:prog_load",
         reported=_P),
    Rule(Code.ZERO_MASK, "delegate_cmds=0", "delegate_cmds=0x1", reported=_P),
    Rule(Code.BITS_OUT_OF_RANGE, "delegate_maps=0x400000001", "delegate_maps=0x200000001",
         reported=_P),
    Rule(Code.OCTAL, "delegate_cmds=010", "delegate_cmds=07", reported=_P),
    Rule(Code.VALUE_WRAPS, "delegate_cmds=common_attrs", "delegate_cmds=map_create", "7.2.13",
         _P),
    Rule(Code.REPEATED_SCALAR, "uid=1,uid=2", "uid=1,gid=2", reported=_P),
    Rule(Code.MODE_BITS_DROPPED, "mode=17777", "mode=1777", reported=_P),
    Rule(Code.ALIAS, "delegate_cmds=prog_run", "delegate_cmds=prog_test_run", reported=_P),
    Rule(Code.NEWER_NAME, "delegate_cmds=prog_stream_read_by_fd", "delegate_cmds=btf_load",
         "6.12.107", _E),
    Rule(Code.OTHER_OPTION_NAME, "delegate_cmds=kprobe", "delegate_progs=kprobe", reported=_E),
    Rule(Code.PREFIX_KEPT, "delegate_cmds=BPF_PROG_LOAD", "delegate_cmds=PROG_LOAD",
         reported=_E),
    Rule(Code.ANY_CASE, "delegate_cmds=ANY", "delegate_cmds=any", reported=_E),
    Rule(Code.MAPS_WITHOUT_MAP_CREATE, "delegate_cmds=btf_load,delegate_maps=hash",
         "delegate_cmds=btf_load:map_create,delegate_maps=hash"),
    Rule(Code.PROGS_WITHOUT_PROG_LOAD, "delegate_cmds=btf_load,delegate_progs=xdp",
         "delegate_cmds=btf_load:prog_load,delegate_progs=xdp"),
    Rule(Code.ATTACHS_WITHOUT_PROG_LOAD, "delegate_cmds=btf_load,delegate_attachs=xdp",
         "delegate_cmds=btf_load:prog_load,delegate_attachs=xdp"),
    Rule(Code.PROG_LOAD_WITHOUT_PROGS, f"{_LOAD},delegate_attachs=any",
         f"{_LOAD},delegate_progs=xdp,delegate_attachs=any"),
    Rule(Code.PROG_LOAD_WITHOUT_ATTACHS, f"{_LOAD},delegate_progs=socket_filter",
         f"{_LOAD},delegate_progs=socket_filter,delegate_attachs=cgroup_inet_ingress"),
    Rule(Code.MAP_CREATE_WITHOUT_MAPS, "delegate_cmds=map_create",
         "delegate_cmds=map_create,delegate_maps=hash"),
    Rule(Code.NO_DELEGATE_CMDS, "delegate_maps=hash",
         "delegate_cmds=map_create,delegate_maps=hash"),
    Rule(Code.PROG_TYPE_UNLOADABLE,
         f"{_LOAD},delegate_progs=cgroup_sock_addr,delegate_attachs=cgroup_inet_ingress",
         f"{_LOAD},delegate_progs=cgroup_sock_addr,delegate_attachs=cgroup_inet4_connect"),
    Rule(Code.DEFAULT_ATTACH_MISSING, f"{_LOAD},delegate_progs=xdp,delegate_attachs=xdp",
         f"{_LOAD},delegate_progs=xdp,delegate_attachs=cgroup_inet_ingress:xdp"),
    Rule(Code.STRUCT_OPS_ATTACHS,
         f"{_LOAD},delegate_progs=struct_ops,delegate_attachs=struct_ops",
         f"{_LOAD},delegate_progs=struct_ops,delegate_attachs=any"),
    Rule(Code.TOKEN_SUMMARY, "delegate_cmds=btf_load", "uid=1000"),
    Rule(Code.READS_KERNEL,
         f"{_LOAD},delegate_progs=kprobe,delegate_attachs=cgroup_inet_ingress",
         f"{_LOAD},delegate_progs=socket_filter,delegate_attachs=cgroup_inet_ingress"),
    Rule(Code.ANY_EVERYWHERE,
         "delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any",
         "delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=xdp"),
    Rule(Code.TOKEN_CREATE, "delegate_cmds=btf_load:token_create", "delegate_cmds=btf_load"),
    Rule(Code.CMD_NOT_GATED, "delegate_cmds=obj_pin", "delegate_cmds=btf_load"),
    Rule(Code.MISSING_FOR_OBJECTS, "delegate_cmds=prog_load,delegate_progs=xdp",
         f"{_XDP},delegate_attachs=xdp", reported=_O, needs=_XDP_NEEDS),
    Rule(Code.DEGRADED_FOR_OBJECTS, f"{_XDP},delegate_attachs=xdp",
         f"{_XDP},delegate_attachs=xdp,delegate_cmds=btf_load", reported=_O,
         needs=f"{_XDP_NEEDS},delegate_cmds=btf_load"),
    Rule(Code.SURPLUS_FOR_OBJECTS, f"{_XDP},delegate_progs=kprobe,delegate_attachs=xdp",
         f"{_XDP},delegate_attachs=xdp", reported=_O, needs=_XDP_NEEDS),
    Rule(Code.KERNEL_EINVAL, "delegate_cmds=prog_lod", "delegate_cmds=prog_load", reported=_E),
    Rule(Code.KERNEL_ERANGE, "delegate_cmds=0x1ffffffffffffffffff", "delegate_cmds=0x1ff",
         reported=_E),
    Rule(Code.SYNTAX, "[Service\nPrivateBPF=yes", "[Service]\nPrivateBPF=yes", reported=_F,
         form="unit"),
    Rule(Code.FSTAB_FIELDS, "bpffs /sys/fs/bpf", "bpffs /sys/fs/bpf bpf", reported=_F,
         form="fstab"),
    Rule(Code.NO_BPFFS_TYPE, "bpffs /sys/fs/bpf bpffs delegate_cmds=any",
         "bpffs /sys/fs/bpf bpf delegate_cmds=any", reported=_F, form="fstab"),
    Rule(Code.MOUNTINFO_LINE, f"{_INFO}delegate_cmds=any\n57 24 0:49 / /t rw",
         f"{_INFO}delegate_cmds=any\n{_INFO}", reported=_F, form="mountinfo"),
    Rule(Code.NO_OPTIONS, "limits.cpu: '2'", f"limits.cpu: '2'\n{_INCUS}btf_load", reported=_F,
         form="incus"),
    Rule(Code.SYSTEMD_NAME, f"{_UNIT}BPFDelegateCommands=BPFProgLod",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_NO_PRIVATE_BPF, "[Service]\nBPFDelegateCommands=BPFProgLoad",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_NO_PRIVATE_USERS, "[Service]\nPrivateBPF=yes\nBPFDelegateCommands=any",
         f"{_UNIT}BPFDelegateCommands=any", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_ANY_IN_LIST, f"{_UNIT}BPFDelegateCommands=any,BPFProgLoad",
         f"{_UNIT}BPFDelegateCommands=any", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_REPLACED,
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad\nBPFDelegateCommands=BPFMapCreate",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad,BPFMapCreate", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_RESET, f"{_UNIT}BPFDelegateCommands=bpfprogload",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_SHIFTED,
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad\nBPFDelegatePrograms=BPFProgTypeNetfilter",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad\nBPFDelegatePrograms=BPFProgTypeXdp",
         reported=_F, form="unit"),
    # A backslash and a blank end the line: no continuation, and the value ends in "\".
    Rule(Code.SYSTEMD_IGNORED, f"{_UNIT}BPFDelegateCommands=BPFProgLoad\\ ",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad", reported=_F, form="unit"),
    Rule(Code.SYSTEMD_NOT_READ, f"{_UNIT}bpfdelegatecommands=BPFProgLoad",
         f"{_UNIT}BPFDelegateCommands=BPFProgLoad", reported=_F, form="unit"),
    Rule(Code.COMMAND_QUOTES, "mount -t bpf -o 'delegate_cmds=any bpffs /sys/fs/bpf",
         "mount -t bpf -o 'delegate_cmds=any' bpffs /sys/fs/bpf", reported=_F, form="command"),
    Rule(Code.NOT_MOUNT, "umount -t bpf -o delegate_cmds=any bpffs /sys/fs/bpf",
         "mount -t bpf -o delegate_cmds=any bpffs /sys/fs/bpf", reported=_F, form="command"),
    Rule(Code.OPTION_VALUE, "mount -t bpf bpffs /sys/fs/bpf -o",
         "mount -t bpf bpffs /sys/fs/bpf -o delegate_cmds=any", reported=_F, form="command"),
    Rule(Code.NO_TYPE, "mount -o delegate_cmds=any bpffs /sys/fs/bpf",
         "mount -t bpf -o delegate_cmds=any bpffs /sys/fs/bpf", reported=_F, form="command"),
    Rule(Code.OTHER_TYPE, "mount -t tmpfs -o size=1m tmpfs /mnt",
         "mount -t bpf -o delegate_cmds=any bpffs /sys/fs/bpf", reported=_F, form="command"),
    Rule(Code.INCUS_KEY, "security.bpffs.delegate_cmd: any",
         "security.bpffs.delegate_cmds: any", reported=_F, form="incus"),
    Rule(Code.LXD_KEY, f"{_LXD}security.delegate_bpf.cmd_type: btf_load",
         f"{_LXD}security.delegate_bpf.cmd_types: btf_load", reported=_F, form="lxd"),
    Rule(Code.MANAGER_EMPTY, f"{_INCUS}btf_load\nsecurity.bpffs.delegate_maps: ' , '",
         f"{_INCUS}btf_load\nsecurity.bpffs.delegate_maps: ''", reported=_F, form="incus"),
    Rule(Code.PRIVILEGED, f"security.privileged: 'true'\n{_INCUS}btf_load",
         f"security.privileged: 'false'\n{_INCUS}btf_load", reported=_F, form="incus"),
    Rule(Code.FAILS_AT_START, f"{_INCUS}prog_lod", f"{_INCUS}btf_load", reported=_F,
         form="incus"),
    Rule(Code.BPFFS_PATH, f"security.bpffs.path: mnt\n{_INCUS}btf_load",
         f"security.bpffs.path: /mnt\n{_INCUS}btf_load", reported=_F, form="incus"),
    Rule(Code.LXD_NOT_ENABLED, "security.delegate_bpf.cmd_types: btf_load",
         f"{_LXD}security.delegate_bpf.cmd_types: btf_load", reported=_F, form="lxd"),
    Rule(Code.LXD_COMMA, f"{_LXD}security.delegate_bpf.cmd_types: btf_load,map_create",
         f"{_LXD}security.delegate_bpf.cmd_types: btf_load:map_create", reported=_F, form="lxd"),
    Rule(Code.NO_BTF_LOAD, f"{_LXD}security.delegate_bpf.cmd_types: prog_load:map_create",
         f"{_LXD}security.delegate_bpf.cmd_types: prog_load:map_create:btf_load", reported=_F,
         form="lxd"),
    Rule(Code.LXD_BOOLEAN, "security.delegate_bpf: maybe\nsecurity.delegate_bpf.cmd_types: any",
         "security.delegate_bpf: 'yes'\nsecurity.delegate_bpf.cmd_types: any", reported=_F,
         form="lxd"),
    Rule(Code.OTHER_MANAGER_KEY, f"{_INCUS}btf_load\nsecurity.delegate_bpf: 'true'",
         f"{_INCUS}btf_load\nsecurity.privileged: 'false'", reported=_F, form="incus"),
    Rule(Code.REPEATED_KEY, f"config:\n  {_INCUS}any\n  {_INCUS}btf_load",
         f"config:\n  {_INCUS}btf_load", reported=_F, form="incus"),
    Rule(Code.LXD_REFUSES, f"{_LXD}security.delegate_bpf.cmd_types: prog_lod",
         f"{_LXD}security.delegate_bpf.cmd_types: btf_load", reported=_F, form="lxd"),
    Rule(Code.LXD_REPEATED_KEY, f"config:\n  {_LXD_NESTED}any\n  {_LXD_TYPES}btf_load",
         f"config:\n  {_LXD_NESTED}btf_load", reported=_F, form="lxd"),
)  # fmt: skip

_BY_CODE = {rule.code: rule for rule in RULES}


def rule_for(code: Code | str) -> Rule:
    """The rule of a code (``Code.ALIAS``, ``"D301"`` or ``"alias"``)."""
    if isinstance(code, str):
        from delegopts.policy import parse_codes

        (code,) = parse_codes([code])
    return _BY_CODE[code]
