"""``delegopts rules``, run in-process: stdout, stderr and the exit status."""

from __future__ import annotations

import io
import json
import re

import pytest

from delegopts.cli import main
from delegopts.diagnostics import Code


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_lists_every_rule_with_an_example() -> None:
    status, out, err = run("rules")
    assert (status, err) == (0, "")
    for code in Code:
        assert f"\n{code.value} {code.slug} (" in f"\n{out}"
    assert len(re.findall(r"^    example( \(an? [a-zA-Z ]+\))? on ", out, re.MULTILINE)) == len(
        Code
    )


def test_selected_rules_text() -> None:
    assert run("rules", "D401", "alias") == (
        0,
        "D301 alias (info, spelling)\n"
        "    an alias: the kernel shows the first name declared for its bit\n"
        "    example on 6.18.44: 'delegate_cmds=prog_run'\n"
        "D401 maps-without-map-create (warning, cannot work)\n"
        "    delegate_maps without map_create in delegate_cmds: no map can be created\n"
        "    example on 6.18.44: 'delegate_cmds=btf_load,delegate_maps=hash'\n",
        "",
    )


def test_a_format_rule_says_what_its_example_is() -> None:
    assert run("rules", "F103") == (
        0,
        "F103 no-bpffs-type (error, fstab and mountinfo)\n"
        "    'bpffs' written as the filesystem type: it is 'bpf'\n"
        "    example (an fstab line) on 6.18.44: 'bpffs /sys/fs/bpf bpffs delegate_cmds=any'\n",
        "",
    )


def test_json() -> None:
    status, out, _ = run("rules", "--json")
    document = json.loads(out)
    assert status == 0 and document["schema"] == 2
    assert [rule["code"] for rule in document["rules"]] == [code.value for code in Code]
    assert document["rules"][0] == {
        "category": "silently ignored",
        "code": "D101",
        "example": "delegate_cmd=any",
        "form": "options",
        "kernel": "6.18.44",
        "name": "unknown-key",
        "near_miss": "delegate_cmds=any",
        "needs": "",
        "reported": "parse",
        "severity": "warning",
        "summary": "bpffs ignores keys it does not know, without a word",
    }


@pytest.mark.parametrize("code", ["D999", "nope"])
def test_unknown_code_is_a_usage_error(code: str) -> None:
    status, out, err = run("rules", code)
    assert (status, out) == (2, "")
    assert err.startswith(f"delegopts rules: unknown code {code!r}")
