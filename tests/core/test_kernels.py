"""The same behaviour on the four real kernels' BTF, and the differences between them."""

from __future__ import annotations

import pytest
from corpus import option_strings
from kernels import VERSIONS, catalog

from delegopts import Code, OptionError, OptionKind, parse


@pytest.mark.parametrize("version", VERSIONS)
def test_corpus_renders_on_every_kernel(version: str) -> None:
    """Every generated string either renders or is refused with EINVAL/ERANGE: no crash."""
    target = catalog(version)
    outcomes = {"ok": 0, "EINVAL": 0, "ERANGE": 0}
    for text in option_strings(target, 2000, seed=7):
        try:
            rendered = str(parse(text, target))
        except OptionError as error:
            outcomes[error.errno_name] += 1
        else:
            outcomes["ok"] += 1
            assert parse(rendered, target) == parse(text, target)
    if target.supports_delegation:
        assert all(outcomes.values()), outcomes
    else:  # 6.1: only mode and source can be refused, and never with ERANGE
        assert outcomes["ERANGE"] == 0 and outcomes["ok"] > 5 * outcomes["EINVAL"], outcomes


# (version, keys it parses, token_create, cmds any mask, attach types any mask)
FACTS = [
    ("6.1.170", {"mode"}, False, None, None),
    ("6.12.107", {"uid", "gid", "mode", "delegate_cmds", "delegate_maps", "delegate_progs",
                  "delegate_attachs"}, True, (1 << 37) - 1, (1 << 57) - 1),
    ("6.18.44", {"uid", "gid", "mode", "delegate_cmds", "delegate_maps", "delegate_progs",
                 "delegate_attachs"}, True, (1 << 38) - 1, (1 << 58) - 1),
    ("7.2.13", {"uid", "gid", "mode", "delegate_cmds", "delegate_maps", "delegate_progs",
                "delegate_attachs"}, True, (1 << 39) - 1, (1 << 62) - 1),
]  # fmt: skip


@pytest.mark.parametrize(("version", "keys", "token", "cmds_any", "attachs_any"), FACTS)
def test_kernel_facts(
    version: str, keys: set[str], token: bool, cmds_any: int | None, attachs_any: int | None
) -> None:
    target = catalog(version)
    assert set(target.keys) == keys
    assert target.has_token_create is token
    assert target.supports_delegation is token
    if cmds_any is not None:
        assert target[OptionKind.CMDS].any_mask == cmds_any
        assert target[OptionKind.ATTACHS].any_mask == attachs_any


def test_6_1_ignores_delegation_and_uid_like_any_unknown_key() -> None:
    options = parse("uid=abc,delegate_cmds=any,mode=700", catalog("6.1.170"))
    assert str(options) == "mode=700"
    assert [(d.code, d.message) for d in options.diagnostics] == [
        (Code.KEY_NOT_IN_KERNEL,
         "kernel 6.1.170 has no 'uid' option (it appeared in later kernels): it is ignored"),
        (Code.KEY_NOT_IN_KERNEL, "kernel 6.1.170 has no 'delegate_cmds' option "
         "(BPF token delegation needs Linux 6.9 or later): it is ignored"),
    ]  # fmt: skip


def test_7_2_common_attrs_wraps_to_bit_0() -> None:
    options = parse("delegate_cmds=common_attrs", catalog("7.2.13"))
    assert str(options) == "delegate_cmds=map_create"
    (diagnostic,) = options.diagnostics
    assert diagnostic.code is Code.VALUE_WRAPS
    assert diagnostic.message == (
        "'common_attrs' has value 65536, which does not fit a 64-bit mask: "
        "the kernel sets bit 0 (map_create)"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("delegate_cmds=prog_stream_read_by_fd", {"6.12.107": "EINVAL",
         "6.18.44": "delegate_cmds=prog_stream_read_by_fd",
         "7.2.13": "delegate_cmds=prog_stream_read_by_fd"}),
        ("delegate_attachs=0x3ffffffffffffff", {"6.12.107": "delegate_attachs=any",
         "6.18.44": "delegate_attachs=any"}),
        ("delegate_cmds=token_create", {"6.12.107": "delegate_cmds=token_create",
         "7.2.13": "delegate_cmds=token_create"}),
    ],
)  # fmt: skip
def test_same_string_on_different_kernels(text: str, shown: dict[str, str]) -> None:
    for version, expected in shown.items():
        try:
            actual = str(parse(text, catalog(version)))
        except OptionError as error:
            actual = error.errno_name
        assert (version, actual) == (version, expected)


def test_enum_order_and_aliases_come_from_btf() -> None:
    maps = catalog("6.18.44")[OptionKind.MAPS]
    assert maps.aliases() == {
        "cgroup_storage_deprecated": ("cgroup_storage",),
        "percpu_cgroup_storage_deprecated": ("percpu_cgroup_storage",),
    }
    cmds = catalog("7.2.13")[OptionKind.CMDS]
    assert cmds.aliases() == {"map_create": ("common_attrs",), "prog_test_run": ("prog_run",)}
    assert [n.name for n in cmds.names[:3]] == ["map_create", "map_lookup_elem", "map_update_elem"]
