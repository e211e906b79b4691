"""Every command's JSON, and every JSON line, validates against the schema delegopts ships.

``delegopts/schemas/output.schema.json`` describes the documents (``--json``) of each
command and the lines of ``--jsonl``; each output is checked against its command's own
definition (strict about the keys) and against the whole schema.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from delegopts.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "delegopts" / "schemas" / "output.schema.json").read_text())
DATA = ROOT / "tests" / "data"
K = ["--kernel", "6.18.44"]
MOUNTINFO = str(DATA / "mountinfo-6.18.44")

DOCUMENTS = [
    ["check", *K, "--json", "--fstab", str(DATA / "fstab"), "delegate_cmds=prog_lod"],
    ["check", *K, "--json", "--unit", str(DATA / "bpf-broken.service")],
    ["show", *K, "--json", "--mountinfo", MOUNTINFO],
    ["format", *K, "--json", "delegate_cmds=any", "uid=x", "mode=0700"],
    ["format", *K, "--json", "--to", "systemd", "delegate_cmds=map_create"],
    ["format", *K, "--json", "--to", "lxd", "delegate_cmds=map_create"],
    ["check", *K, "--json", str(DATA / "incus" / "list.json"), str(DATA / "lxd" / "doc-bpf.sh")],
    ["explain", *K, "--json", "delegate_cmds=prog_load:0x1,delegate_maps=any"],
    ["explain", *K, "--json", "delegate_cmds=prog_lod"],
    ["diff", "--kernel-a", "6.12.107", "--kernel-b", "7.2.13", "--json", "delegate_cmds=any"],
    ["names", *K, "--json"],
    ["names", *K, "--json", "--systemd", "258"],
    ["btf", "info", "--json", str(ROOT / "data" / "btf" / "7.2.13.btf")],
    ["rules", "--json"],
]
LINES = [
    ["check", *K, "--jsonl", "--fstab", str(DATA / "fstab")],
    ["show", *K, "--jsonl", "--mountinfo", MOUNTINFO],
    ["format", *K, "--jsonl", "delegate_cmds=any", "uid=x"],
]


def output(argv: list[str]) -> str:
    out = io.StringIO()
    main(argv, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def validate(value: Any, definition: str) -> None:
    import jsonschema

    jsonschema.validate(value, SCHEMA)
    jsonschema.validate(value, {**SCHEMA, "$ref": f"#/$defs/{definition}", "anyOf": [{}]})


@pytest.mark.parametrize("argv", DOCUMENTS, ids=lambda argv: " ".join(argv[:3]))
def test_documents(argv: list[str]) -> None:
    document = json.loads(output(argv))
    assert document["command"] == (" ".join(argv[:2]) if argv[0] == "btf" else argv[0])
    validate(document, f"document {document['command']}")


@pytest.mark.parametrize("argv", LINES, ids=lambda argv: argv[0])
def test_json_lines(argv: list[str]) -> None:
    lines = output(argv).splitlines()
    assert lines
    for line in lines:
        record = json.loads(line)
        validate(record, f"line {record['command']}")


def test_the_schema_refuses_what_it_should() -> None:
    import jsonschema

    document = json.loads(output(["format", *K, "--json", "uid=1"]))
    document["results"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate(document, "document format")
    assert (
        json.loads(output(["names", *K, "--json"]))["schema"]
        == SCHEMA["$defs"]["stamp"]["properties"]["schema"]["const"]
    )
