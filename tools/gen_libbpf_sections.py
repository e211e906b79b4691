#!/usr/bin/env python3
"""Regenerate delegopts/derive/libbpf_sections.json from libbpf's own source.

libbpf maps each program's ELF section name (``SEC("kprobe/...")``) to a program type and
expected attach type with the ``section_defs[]`` table of ``src/libbpf.c``; the table
grows with releases. This reads that table out of one or more copies of ``libbpf.c`` and
writes it as data, one entry a release, in table order (libbpf takes the first match):

    tools/gen_libbpf_sections.py 1.7.0=v1.7.0/src/libbpf.c 1.8-dev@f7081a6b=main/src/libbpf.c

Each entry is ``[pattern, prog type, expected attach type or null, [flags]]`` with the
enum names lowercased and without their ``BPF_PROG_TYPE_``/``BPF_`` prefix, as bpffs
spells them. ``probe_loading_with_token`` says, per release, whether libbpf's first check
(a trivial socket_filter, else tracepoint, program) goes through the token.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_OUT = Path(__file__).resolve().parent.parent / "delegopts" / "derive" / "libbpf_sections.json"
_TABLE = re.compile(r"section_defs\[\]\s*=\s*\{(.*?)\n\};", re.DOTALL)
_ENTRY = re.compile(r'SEC_DEF\(\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*([^,)]+)')


def table(source: str) -> list[list[object]]:
    found = _TABLE.search(source)
    if found is None:
        raise SystemExit("no section_defs[] table in this file")
    rows: list[list[object]] = []
    for pattern, prog, attach, flags in _ENTRY.findall(found.group(1)):
        expected = None if attach == "0" else attach.removeprefix("BPF_").lower()
        names = sorted(f.strip().removeprefix("SEC_") for f in flags.split("|"))
        rows.append([pattern, prog.lower(), expected, [n for n in names if n not in ("NONE", "0")]])
    return rows


_PROBE_LOADING = re.compile(
    r"bpf_object__probe_loading\(struct bpf_object \*obj\)\n\{(.*?)\n\}", re.DOTALL
)


def probes_loading_with_token(source: str) -> bool:
    """Whether libbpf's trivial-program check runs through a token (before 77e9d227 it did;
    since, it is skipped when a token is in use)."""
    found = _PROBE_LOADING.search(source)
    if found is None:
        raise SystemExit("no bpf_object__probe_loading() in this file")
    return re.search(r"gen_loader\s*\|\|\s*obj->token_fd", found.group(1)) is None


def main(arguments: list[str]) -> int:
    if not arguments or any("=" not in a for a in arguments):
        print(__doc__, file=sys.stderr)
        return 2
    releases = {}
    loading: dict[str, bool] = {}
    for argument in arguments:
        release, _, path = argument.partition("=")
        source = Path(path).read_text(encoding="utf-8")
        releases[release] = table(source)
        loading[release] = probes_loading_with_token(source)
    data = {
        "source": "libbpf src/libbpf.c section_defs[], by tools/gen_libbpf_sections.py",
        "releases": releases,
    }
    # One table row a line: diffs between regenerations stay readable.
    lines = ['{"source": ' + json.dumps(data["source"]) + ', "releases": {']
    for number, (release, rows) in enumerate(releases.items()):
        lines.append(f" {json.dumps(release)}: [")
        lines += [f"  {json.dumps(row)}," for row in rows]
        lines[-1] = lines[-1].rstrip(",")
        lines.append(" ]," if number < len(releases) - 1 else " ]")
    lines.append("},")
    lines.append(f' "probe_loading_with_token": {json.dumps(loading)}')
    lines.append("}")
    _OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
