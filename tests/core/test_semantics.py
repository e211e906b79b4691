"""What the kernel does with option strings: rendering, refusals and diagnostics.

Every expectation here was checked against the live 6.18.44 kernel (whose BTF is
shared/kernels/6.18.44.btf.xz) by test_live.py's oracle; the table pins them so the suite
states the behaviour on machines that cannot mount.
"""

from __future__ import annotations

import pytest
from kernels import catalog

from delegopts import Code, OptionError, OptionKind, parse, parse_mask

K618 = "6.18.44"


# (input, what /proc/mounts shows, the diagnostic codes, in order)
ACCEPTED = [
    ("", "", []),
    ("delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe",
     "delegate_cmds=map_create:prog_load,delegate_progs=kprobe", []),
    ("delegate_cmds=any", "delegate_cmds=any", []),
    ("delegate_cmds=0x3fffffffff", "delegate_cmds=any", []),
    ("delegate_cmds=18446744073709551615", "delegate_cmds=any", []),
    ("delegate_attachs=any,delegate_maps=any,delegate_progs=any,delegate_cmds=any",
     "delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any", []),
    # a number replaces the mask built so far
    ("delegate_cmds=prog_load:0x1", "delegate_cmds=map_create", [Code.NUMBER_REPLACES]),
    ("delegate_cmds=0x1:prog_load", "delegate_cmds=map_create:prog_load", []),
    ("delegate_cmds=any:0", "", [Code.NUMBER_REPLACES, Code.ZERO_MASK]),
    ("delegate_cmds=prog_load:0", "", [Code.NUMBER_REPLACES, Code.ZERO_MASK]),
    ("delegate_cmds=0", "", [Code.ZERO_MASK]),
    # repeated delegate options are OR-ed
    ("delegate_maps=0x2,delegate_maps=0x4", "delegate_maps=hash:array", []),
    ("delegate_cmds=map_create,delegate_cmds=prog_load", "delegate_cmds=map_create:prog_load", []),
    # aliases resolve to their value and show as the first declared name
    ("delegate_cmds=prog_run", "delegate_cmds=prog_test_run", [Code.ALIAS]),
    ("delegate_maps=cgroup_storage", "delegate_maps=cgroup_storage_deprecated", [Code.ALIAS]),
    ("delegate_maps=PERCPU_CGROUP_STORAGE", "delegate_maps=percpu_cgroup_storage_deprecated",
     [Code.ALIAS]),
    # names in any ASCII case
    ("delegate_progs=KpRoBe:xdp", "delegate_progs=kprobe:xdp", []),
    ("delegate_attachs=CGROUP_INET_INGRESS", "delegate_attachs=cgroup_inet_ingress", []),
    # numbers in every base
    ("delegate_maps=010", "delegate_maps=prog_array", [Code.OCTAL]),
    ("delegate_maps=0X1F", "delegate_maps=unspec:hash:array:prog_array:perf_event_array", []),
    ("delegate_maps=+2", "delegate_maps=hash", []),
    ("delegate_maps=2\n", "delegate_maps=hash", []),
    # bits beyond the kernel's range are stored and never shown
    ("delegate_cmds=0x8000000000000000", "", [Code.BITS_OUT_OF_RANGE, Code.ZERO_MASK]),
    ("delegate_cmds=0xc000000000000001", "delegate_cmds=map_create", [Code.BITS_OUT_OF_RANGE]),
    # uid, gid, mode: last one wins; mode octal, masked, sticky bit hidden
    ("uid=1000,gid=0x10", "uid=1000,gid=16", []),
    ("uid=010", "uid=8", []),
    ("uid=5,uid=0", "", [Code.REPEATED_SCALAR]),
    ("gid=4294967294", "gid=4294967294", []),
    ("mode=0700", "mode=700", []),
    ("mode=1777", "", []),
    ("mode=17777", "mode=6777", [Code.MODE_BITS_DROPPED]),
    ("mode=0", "mode=0", []),
    ("uid=1,gid=2,mode=700,delegate_cmds=any", "uid=1,gid=2,mode=700,delegate_cmds=any", []),
    # ignored keys, VFS flags, empty pieces
    ("delegate_cmd=any", "", [Code.UNKNOWN_KEY]),
    ("DELEGATE_CMDS=any", "", [Code.UNKNOWN_KEY]),
    ("foo=bar,noexec", "", [Code.UNKNOWN_KEY, Code.UNKNOWN_KEY]),
    ("delegate_cmds=prog_load,map_create", "delegate_cmds=prog_load", [Code.UNKNOWN_KEY]),
    ("ro,sync,mand,delegate_cmds=btf_load", "delegate_cmds=btf_load",
     [Code.VFS_FLAG, Code.VFS_FLAG, Code.VFS_FLAG]),
    ("ro=bad", "", [Code.VFS_FLAG]),
    ("=any", "", [Code.EMPTY_KEY]),
    (",,uid=3,", "uid=3", [Code.EMPTY_PIECE, Code.EMPTY_PIECE, Code.EMPTY_PIECE]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "shown", "codes"), ACCEPTED)
def test_accepted(text: str, shown: str, codes: list[Code]) -> None:
    options = parse(text, catalog(K618))
    assert str(options) == shown
    assert [d.code for d in options.diagnostics] == codes


# (input, errno, column, message, suggestion)
REFUSED = [
    ("delegate_cmds=prog_lod", "EINVAL", 15,
     "delegate_cmds: 'prog_lod' is not a command of kernel 6.18.44, nor 'any', nor a number",
     "prog_load"),
    ("delegate_cmds=BPF_PROG_LOAD", "EINVAL", 15,
     "delegate_cmds: 'BPF_PROG_LOAD': names are written without the 'BPF_' prefix", "prog_load"),
    ("delegate_maps=BPF_MAP_TYPE_HASH", "EINVAL", 15,
     "delegate_maps: 'BPF_MAP_TYPE_HASH': names are written without the 'BPF_MAP_TYPE_' prefix",
     "hash"),
    ("delegate_cmds=kprobe", "EINVAL", 15,
     "delegate_cmds: 'kprobe' is a program type (delegate_progs), not a command", None),
    ("delegate_cmds=ANY", "EINVAL", 15,
     "delegate_cmds: 'ANY' is not 'any': the kernel matches 'any' case-sensitively", "any"),
    ("delegate_cmds=08", "EINVAL", 16,
     "delegate_cmds: '8' is not an octal digit (a leading 0 makes the number octal)", None),
    ("delegate_cmds=0x", "EINVAL", 16, "delegate_cmds: 'x' cannot follow an octal number", None),
    ("delegate_cmds=1e3", "EINVAL", 16, "delegate_cmds: 'e' cannot follow a decimal number", None),
    ("delegate_cmds=-1", "EINVAL", 15,
     "delegate_cmds: '-1' is not a command of kernel 6.18.44, nor 'any', nor a number", None),
    ("delegate_cmds= 1", "EINVAL", 15, "delegate_cmds: ' 1' has white space around it", "1"),
    ("delegate_cmds=18446744073709551616", "ERANGE", 15,
     "delegate_cmds: '18446744073709551616' is above 2^64-1", None),
    ("delegate_cmds=99999999999999999999999x", "ERANGE", 15,
     "delegate_cmds: '99999999999999999999999' is above 2^64-1", None),
    ("delegate_cmds=map_create::prog_load", "EINVAL", 26,
     "delegate_cmds: empty piece (two ':' in a row, or one at an end)", None),
    ("delegate_cmds=prog_load:", "EINVAL", 25,
     "delegate_cmds: empty piece (two ':' in a row, or one at an end)", None),
    ("delegate_cmds=", "EINVAL", 1, "'delegate_cmds' has an empty value", "delegate_cmds=any"),
    ("delegate_cmds", "EINVAL", 1, "'delegate_cmds' needs a value", "delegate_cmds=VALUE"),
    ("uid", "EINVAL", 1, "'uid' needs a value", "uid=VALUE"),
    ("uid=-1", "EINVAL", 5,
     "bad value for 'uid' (needs a number from 0 to 4294967294): '-1' is not a number", None),
    ("uid=4294967295", "EINVAL", 5, "uid 4294967295 is (id_t)-1, not a valid uid", None),
    ("gid=4294967296", "EINVAL", 5,
     "bad value for 'gid' (needs a number from 0 to 4294967294): '4294967296' is above 2^32-1",
     None),
    ("mode=8", "EINVAL", 6,
     "bad value for 'mode' (needs an octal number): '8' is not an octal digit", None),
    ("mode=0758", "EINVAL", 9,
     "bad value for 'mode' (needs an octal number): '8' is not an octal digit", None),
    ("mode=0x1ff", "EINVAL", 7,
     "bad value for 'mode' (needs an octal number): 'x' cannot follow an octal number", None),
    ("mode=", "EINVAL", 1, "bad value for 'mode' (needs an octal number): empty", None),
    ("source=x", "EINVAL", 1,
     "'source' cannot be given in the options: mount(2) already sets it", None),
    ("uid=1,delegate_progs=xdp:lsm:nope", "EINVAL", 30,
     "delegate_progs: 'nope' is not a program type of kernel 6.18.44, nor 'any', nor a number",
     None),
    ("delegate_progs=xdp:kprob", "EINVAL", 20,
     "delegate_progs: 'kprob' is not a program type of kernel 6.18.44, nor 'any', nor a number",
     "kprobe"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "errno_name", "column", "message", "suggestion"), REFUSED)
def test_refused(
    text: str, errno_name: str, column: int, message: str, suggestion: str | None
) -> None:
    with pytest.raises(OptionError) as caught:
        parse(text, catalog(K618))
    error = caught.value
    assert (error.errno_name, error.column, error.message, error.suggestion) == (
        errno_name,
        column,
        message,
        suggestion,
    )
    assert isinstance(error, ValueError)


def test_rendered_error_has_the_line_and_carets() -> None:
    with pytest.raises(OptionError) as caught:
        parse("uid=1,delegate_cmds=map_create:prog_lod", catalog(K618))
    assert caught.value.render("fstab:3") == (
        "fstab:3: error: EINVAL: delegate_cmds: 'prog_lod' is not a command of kernel 6.18.44, "
        "nor 'any', nor a number (column 32); did you mean 'prog_load'?\n"
        "  uid=1,delegate_cmds=map_create:prog_lod\n"
        "                                 ^^^^^^^^"
    )


def test_diagnostic_positions_and_fixes() -> None:
    options = parse("delegate_cmds=prog_load:0x1,delegate_cmd=any", catalog(K618))
    assert [(d.code.value, d.column, d.message, d.fix) for d in options.diagnostics] == [
        ("D201", 25, "'0x1' replaces the mask: 'prog_load' before it is lost",
         "put the number first (0x1:prog_load) or drop it"),
        ("D101", 29, "unknown key 'delegate_cmd' is ignored: bpffs knows uid, gid, mode, "
         "delegate_cmds, delegate_maps, delegate_progs, delegate_attachs",
         "did you mean 'delegate_cmds'?"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("delegate_cmds=prog_load,map_create",
         "',' ends the option: separate commands with ':' (delegate_cmds=...:map_create)"),
        ("DELEGATE_PROGS=any", "did you mean 'delegate_progs'? (keys are case-sensitive)"),
        ("delegate_attach=any", "did you mean 'delegate_attachs'?"),
        ("frobnicate=1", None),
    ],
)  # fmt: skip
def test_unknown_key_fixes(text: str, fix: str | None) -> None:
    (diagnostic,) = parse(text, catalog(K618)).diagnostics
    assert (diagnostic.code, diagnostic.fix) == (Code.UNKNOWN_KEY, fix)


def test_truncation_at_4095_bytes() -> None:
    kept = "a" * 4088 + ",uid=55"  # exactly 4095 bytes: all of it is parsed
    assert str(parse(kept, catalog(K618))) == "uid=55"
    cut = "a" * 4089 + ",uid=55"  # one byte more: the last digit is lost
    options = parse(cut, catalog(K618))
    assert str(options) == "uid=5"
    assert [d.code for d in options.diagnostics] == [Code.TRUNCATED, Code.UNKNOWN_KEY]


def test_masks_and_options_compare_by_meaning() -> None:
    k = catalog(K618)
    assert parse("delegate_cmds=prog_load:map_create", k) == parse("delegate_cmds=0x21", k)
    assert parse("delegate_cmds=0x8000000000000001", k) == parse("delegate_cmds=map_create", k)
    assert parse("mode=1777", k) == parse("", k)
    assert parse("uid=1", k) != parse("uid=2", k)
    assert len({parse("delegate_maps=hash", k), parse("delegate_maps=HASH", k)}) == 1


def test_mask_api() -> None:
    mask = parse_mask(OptionKind.MAPS, "0x8000000000000000:cgroup_storage:hash", catalog(K618))
    assert mask.names == ("hash", "cgroup_storage_deprecated")
    assert [name.name for name in mask.granted()] == [
        "hash",
        "cgroup_storage_deprecated",
        "cgroup_storage",
    ]
    assert "CGROUP_STORAGE" in mask and "array" not in mask
    assert (mask.dropped, mask.leftover, mask.is_any) == (1 << 63, 0, False)
    assert str(mask) == "hash:cgroup_storage_deprecated"


def test_steps_trace_every_piece() -> None:
    options = parse("delegate_cmds=prog_load:0x1:btf_load", catalog(K618))
    assert [(s.text, s.action, s.span.start, s.before, s.after) for s in options.steps] == [
        ("prog_load", "name", 14, 0, 1 << 5),
        ("0x1", "number", 24, 1 << 5, 1),
        ("btf_load", "name", 28, 1, 1 | 1 << 18),
    ]
