"""One table row per rule: an input that triggers it, one that nearly does, the exact message.

Examples run on the real kernels' catalogs (the kernel each rule names) through what
``check`` does: the example's format is read (an option string, an fstab line, a unit...),
each option string parsed and linted; refusals (EINVAL, ERANGE, D302-D305) are classified
by :func:`delegopts.lint.classify_error`.
"""

from __future__ import annotations

import pytest
from lintdata import catalog

from delegopts.derive.compare import diagnose
from delegopts.derive.needs import Answer
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import OptionError
from delegopts.formats import Found, scan
from delegopts.formats.findings import check_found
from delegopts.lint import RULES, Rule, lint
from delegopts.semantics import parse

#: code -> (column, message) of the diagnostic the rule's example gives.
MESSAGES: dict[str, tuple[int, str]] = {
    "D101": (1, "unknown key 'delegate_cmd' is ignored: bpffs knows uid, gid, mode, "
                "delegate_cmds, delegate_maps, delegate_progs, delegate_attachs"),
    "D102": (1, "kernel 6.1.170 has no 'delegate_cmds' option (BPF token delegation needs "
                "Linux 6.9 or later): it is ignored"),
    "D103": (1, "'ro' is a generic mount flag, handled by the VFS, not by bpffs"),
    "D104": (1, "'=any' has no key before '=' and is skipped"),
    "D105": (7, "empty piece between commas is skipped"),
    "D106": (6, "a NUL byte ends the mount data: the rest is never parsed"),
    "D201": (25, "'0x1' replaces the mask: 'prog_load' before it is lost"),
    "D202": (15, "'delegate_cmds=0' delegates nothing"),
    "D203": (15, "'0x400000001' sets bits 0x400000000 beyond kernel 6.18.44's map types "
                 "(any = 0x3ffffffff): stored, never shown, never used"),
    "D204": (15, "'010' is octal: 8 (0x8)"),
    "D205": (15, "'common_attrs' has value 65536, which does not fit a 64-bit mask: the kernel "
                 "sets bit 0 (map_create)"),
    "D206": (7, "'uid' is given again: the last one (2) wins"),
    "D207": (6, "mode 17777 has bits above 07777: the kernel keeps 7777"),
    "D301": (15, "'prog_run' is an alias of 'prog_test_run' and shows as it"),
    "D302": (15, "EINVAL: 'prog_stream_read_by_fd' is a command only from Linux 6.18.44 on, not of "
                 "kernel 6.12.107"),
    "D303": (15, "EINVAL: 'kprobe' is a program type, not a command: it belongs in delegate_progs"),
    "D304": (15, "EINVAL: 'BPF_PROG_LOAD' keeps the enum prefix 'BPF_': the kernel matches names "
                 "without it"),
    "D305": (15, "EINVAL: 'ANY' is not 'any': the kernel compares 'any' case-sensitively"),
    "D401": (24, "delegate_maps=hash is never used: delegate_cmds=btf_load lacks map_create"),
    "D402": (24, "delegate_progs=xdp is never used: delegate_cmds=btf_load lacks prog_load"),
    "D403": (24, "delegate_attachs=xdp is never used: delegate_cmds=btf_load lacks prog_load"),
    "D404": (15, "'prog_load': prog_load is delegated but no program type is: every prog_load "
                 "with the token is refused"),
    "D405": (15, "'prog_load': prog_load is delegated but no attach type is: every prog_load "
                 "with the token is refused"),
    "D406": (15, "'map_create': map_create is delegated but no map type is: every map_create "
                 "with the token is refused"),
    "D407": (1, "delegate_maps without delegate_cmds: a token can be created, but no command "
                "accepts it"),
    "D408": (40, "'cgroup_sock_addr': cgroup_sock_addr programs never load, "
                 "delegate_attachs=cgroup_inet_ingress has none of their attach types "
                 "(cgroup_inet4_bind, cgroup_inet6_bind, cgroup_inet4_connect, 14 more)"),
    "D409": (40, "'xdp': xdp programs load only when the loader names an attach type; a load "
                 "without one asks for cgroup_inet_ingress, which is not delegated"),
    "D410": (40, "'struct_ops': struct_ops programs load with the index of the struct member "
                 "they implement as attach type, and delegate_attachs=struct_ops covers only "
                 "some indices"),
    "D501": (1, "the token allows commands btf_load; with CAP_BPF in the container's user "
                "namespace"),
    "D502": (40, "'kprobe' lets the container load kprobe programs: runs at any kernel or user "
                 "function of the host and reads kernel memory (bpf_probe_read_kernel)"),
    "D503": (1, "'any' on all four options: every command, map, program and attach type of "
                "kernel 6.18.44, with the program types that read kernel memory"),
    "D504": (24, "'token_create' has no effect: bpf_token_create() never reads delegate_cmds "
                 "(a token is made from the bpffs mount, not from another token)"),
    "D505": (15, "'obj_pin' changes nothing: no kernel checks a token for obj_pin (only "
                 "map_create, prog_load, btf_load, btf_get_fd_by_id)"),
    "D601": (43, "'xdp' is not in delegate_attachs: BPF_PROG_LOAD of the objects fails with EPERM "
                "and libbpf stops"),
    "D602": (1, "'btf_load' is not in delegate_cmds: the objects load, but libbpf loads no BTF "
                "and says nothing: maps lose their key and value types, programs their function "
                "and line information"),
    "D603": (59, "'kprobe' in delegate_progs is more than the objects need: kprobe programs: "
                 "runs at any kernel or user function of the host and reads kernel memory "
                 "(bpf_probe_read_kernel)"),
    "EINVAL": (15, "delegate_cmds: 'prog_lod' is not a command of kernel 6.18.44, nor 'any', "
                   "nor a number"),
    "ERANGE": (15, "delegate_cmds: '0x1ffffffffffffffffff' is above 2^64-1"),
    "F101": (1, "unit file line: invalid section header '[Service': systemd stops reading "
                "example here and the unit fails to load"),
    "F102": (18, "fstab entry has 2 field(s); it needs at least 3 (source, mount point, type): "
                 "mount(8) skips it"),
    "F103": (19, "there is no filesystem type 'bpffs': mount fails with ENODEV"),
    "F104": (17, "not a mountinfo line: the line ends too early"),
    "F105": (1, "no security.bpffs.delegate_* key in this Incus configuration: nothing is "
                "checked"),
    "F201": (21, "BPFDelegateCommands=: systemd 262.1 drops 'BPFProgLod': not a command name "
                 "in its table"),
    "F202": (1, "BPFDelegateCommands= has no effect: PrivateBPF= is not set, so systemd mounts "
                "no bpffs"),
    "F203": (1, "BPFDelegateCommands= without PrivateUsers=: the service runs in the initial "
                "user namespace, where BPF_TOKEN_CREATE always fails (EOPNOTSUPP)"),
    "F204": (21, "BPFDelegateCommands=: systemd 262.1 drops 'any': 'any' counts only as the "
                 "whole value"),
    "F205": (21, "BPFDelegateCommands=: this assignment replaces the one at example:4, whose "
                 "BPFProgLoad it drops (systemd does not add assignments up)"),
    "F206": (21, "BPFDelegateCommands=: no word of this value is known to systemd 262.1: the "
                 "setting becomes 0"),
    "F207": (21, "BPFDelegatePrograms=: BPFProgTypeNetfilter is bit 31 in systemd 262.1's "
                 "table, which kernel 6.18.44 reads as syscall: the token delegates syscall, not "
                 "what the name says; the kernel's netfilter (bit 32) has no word in systemd "
                 "262.1"),
    "F208": (32, "BPFDelegateCommands=: systemd 262.1 ignores this assignment: the value ends in "
                 "a backslash"),
    "F209": (1, "bpfdelegatecommands= is not read: systemd knows no key 'bpfdelegatecommands' "
                "(keys are case-sensitive)"),
    "F301": (17, "cannot split the command line: unexpected \"'\""),
    "F302": (1, "not a mount command"),
    "F303": (32, "-o needs a value"),
    "F304": (1, "no '-t bpf': mount(8) guesses the type from the source"),
    "F305": (10, "not a bpffs mount (type 'tmpfs'): left alone"),
    "F401": (1, "'security.bpffs.delegate_cmd' is not an Incus key: Incus refuses it "
                "('Unknown configuration key')"),
    "F402": (1, "'security.delegate_bpf.cmd_type' is not an LXD key: LXD refuses it "
                "('Unknown configuration key')"),
    "F403": (32, "security.bpffs.delegate_maps has no item once Incus trims it: Incus sets no "
                 "delegate_maps, and still mounts bpffs"),
    "F404": (23, "security.privileged is true: Incus mounts no bpffs in a privileged container "
                 "and ignores every security.bpffs.* key"),
    "F405": (31, "Incus takes this value when it is set; the container then fails to start: "
                 "'Failed to set delegate_cmds=prog_lod on bpf fs: invalid argument'"),
    "F406": (22, "security.bpffs.path 'mnt' is refused by Incus: 'Must be absolute file path'"),
    "F407": (1, "security.delegate_bpf is not true: LXD mounts no bpffs and ignores the "
                "security.delegate_bpf.* types"),
    "F408": (42, "',' in security.delegate_bpf.cmd_types: LXD hands the value to the kernel "
                 "whole, and the kernel refuses it (EINVAL): LXD says 'Invalid cmds option "
                 "value'"),
    "F409": (34, "prog_load without btf_load: libbpf's BPF_BTF_LOAD with the token fails "
                 "(EPERM), it reports \"Kernel doesn't support BTF\" and loads programs without "
                 "BTF; those that need it fail"),
    "F410": (24, "security.delegate_bpf='maybe' is refused by LXD: 'Invalid value for a "
                 "boolean'"),
    "F411": (1, "'security.delegate_bpf' is an LXD key: Incus refuses it"),
    "F412": (3, "security.bpffs.delegate_cmds is written twice in one map: Incus refuses the "
                "document ('mapping key already defined')"),
    "F413": (34, "LXD refuses this value when it is set: 'Invalid cmds option value: "
                 "prog_lod'"),
    "F414": (3, "security.delegate_bpf.cmd_types is written twice in one map: LXD keeps the "
                "later value and drops this one without a word"),
}  # fmt: skip

#: Rules whose finding has no fix to offer: facts, or a syntax error the caret shows.
NO_FIX = (Code.VFS_FLAG, Code.EMPTY_PIECE, Code.TOKEN_SUMMARY, Code.KERNEL_ERANGE, Code.SYNTAX,
          Code.OPTION_VALUE, Code.OTHER_TYPE, Code.LXD_REFUSES)  # fmt: skip


def diagnostics(text: str, kernel: str, form: str = "options", needs: str = "") -> list[Diagnostic]:
    """What ``check`` reports for ``text`` read as ``form``: the format's findings, then
    each option string's (lint, or the refusal); with ``needs``, also what ``check --for``
    reports for objects that need exactly those bits."""
    target = catalog(kernel)
    if form == "options":
        read = [Found.plain(text, path="example", line=1)]
        findings: list[Diagnostic] = []
    else:
        scanned = scan(form, text + "\n", "example", target)
        read, findings = list(scanned.found), list(scanned.findings)
    for found in read:
        checked = check_found(found, target)
        findings += checked.findings
        if needs and checked.options is not None:
            answer = Answer.from_options(parse(needs, target))
            findings += [found.place(d) for d in diagnose(checked.options, answer)]
    return findings


def test_every_code_has_a_rule_and_a_message() -> None:
    assert [rule.code for rule in RULES] == list(Code)
    assert set(MESSAGES) == {code.value for code in Code}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code.value)
def test_example_triggers_with_the_exact_message(rule: Rule) -> None:
    found = [
        d
        for d in diagnostics(rule.example, rule.kernel, rule.form, rule.needs)
        if d.code is rule.code
    ]
    assert [(d.column, d.message) for d in found] == [MESSAGES[rule.code.value]]
    assert found[0].fix or rule.code in NO_FIX


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code.value)
def test_near_miss_does_not_trigger(rule: Rule) -> None:
    codes = [d.code for d in diagnostics(rule.near_miss, rule.kernel, rule.form, rule.needs)]
    assert rule.code not in codes


@pytest.mark.parametrize("rule", [r for r in RULES if r.reported == "error"],
                         ids=lambda rule: rule.code.value)  # fmt: skip
def test_refusal_rules_are_refused_by_the_kernel(rule: Rule) -> None:
    with pytest.raises(OptionError) as raised:
        parse(rule.example, catalog(rule.kernel))
    errno = "ERANGE" if rule.code is Code.KERNEL_ERANGE else "EINVAL"
    assert raised.value.errno_name == errno


@pytest.mark.parametrize("rule", [r for r in RULES if r.reported in ("parse", "lint", "objects")],
                         ids=lambda rule: rule.code.value)  # fmt: skip
def test_other_rules_mount(rule: Rule) -> None:
    parse(rule.example, catalog(rule.kernel))


def test_parse_error_names_the_first_kernel_with_the_name() -> None:
    with pytest.raises(OptionError) as raised:
        parse("delegate_attachs=trace_uprobe_session", catalog("6.12.107"))
    assert raised.value.headline() == (
        "EINVAL: delegate_attachs: 'trace_uprobe_session' is an attach type only from "
        "Linux 6.18.44 on, not of kernel 6.12.107 (column 18)"
    )


@pytest.mark.parametrize(
    ("text", "kernel", "code"),
    [
        ("delegate_maps=arena", "6.12.107", None),  # 6.12 has it: no refusal at all
        ("delegate_maps=rhash", "6.18.44", Code.NEWER_NAME),
        ("delegate_maps=rhash", "7.2.13", None),
        ("delegate_cmds=xdp", "6.18.44", Code.OTHER_OPTION_NAME),
        ("delegate_progs=BPF_PROG_TYPE_XDP", "6.18.44", Code.PREFIX_KEPT),
        ("delegate_cmds=Any", "6.18.44", Code.ANY_CASE),
        ("delegate_cmds=prog_lod", "6.18.44", None),  # a typo: the parse error says it
    ],
)
def test_classify_error(text: str, kernel: str, code: Code | None) -> None:
    assert [d.code for d in diagnostics(text, kernel) if d.code.value[1] == "3"] == (
        [code] if code else []
    )


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("delegate_cmds=0x20,delegate_progs=0x40", ["D405", "D501"]),
        ("delegate_maps=0x2", ["D407", "D501"]),
        ("delegate_cmds=0x20,delegate_progs=0x10000044,delegate_attachs=any", ["D501", "D502"]),
        ("delegate_cmds=0x40021,delegate_maps=0x2,delegate_progs=0x40,delegate_attachs=any",
         ["D501"]),
    ],
)  # fmt: skip
def test_kernel_without_btf_uses_the_uapi_values(text: str, codes: list[str]) -> None:
    options = parse(text, catalog("6.18.44").without_names())
    assert [d.code.value for d in lint(options)] == codes
