#!/usr/bin/env python3
"""Regenerate delegopts/derive/libbpf_sections.json from libbpf's own source.

libbpf maps each program's ELF section name (``SEC("kprobe/...")``) to a program type and
expected attach type with the ``section_defs[]`` table of ``src/libbpf.c``; the table
grows with releases. This reads that table, and what each release does with a BPF token,
out of a libbpf git directory at the given tags, and writes it as data, one entry per
group of releases that agree on all of it (libbpf takes the first matching row):

    tools/gen_libbpf_sections.py LIBBPF_GIT_DIR \\
        1.4.0=v1.4.0,v1.4.1,v1.4.2,v1.4.3,v1.4.4,v1.4.5,v1.4.6,v1.4.7 \\
        1.5.0=v1.5.0,v1.5.1 1.6.0=v1.6.0,v1.6.1,v1.6.2,v1.6.3 1.7.0=v1.7.0 \\
        1.8-dev@f7081a6b=f7081a6b

(``fetch github:libbpf/libbpf`` gives such a directory.) A group whose tags disagree is
an error naming the tag. Each row is ``[pattern, prog type, expected attach type or null,
[flags]]`` with the enum names lowercased and without their ``BPF_PROG_TYPE_``/``BPF_``
prefix, as bpffs spells them. Each group's ``facts``, read from the source:

- ``covers``: the releases it stands for (a tag ``vX.Y.Z`` is release ``X.Y.Z``);
- ``probe_loading_with_token``: libbpf's first check (a trivial socket_filter, else
  tracepoint, program) goes through the token (until libbpf 77e9d227);
- ``prog_name_probe_with_token``: the program-name probe hands the kernel the token's
  field (libbpf 1.4 passed an attribute that ends before it, so the probe always fails);
- ``btf_by_id_with_token``: an ``freplace`` target's BTF is read with the token (1.6 on);
- ``arena_probe``: objects with an arena map make libbpf probe ``ldimm64`` offsets (1.7 on).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

_OUT = Path(__file__).resolve().parent.parent / "delegopts" / "derive" / "libbpf_sections.json"
_TABLE = re.compile(r"section_defs\[\]\s*=\s*\{(.*?)\n\};", re.DOTALL)
_ENTRY = re.compile(r'SEC_DEF\(\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*([^,)]+)')
_PROBE_LOADING = re.compile(
    r"bpf_object__probe_loading\(struct bpf_object \*obj\)\n\{(.*?)\n\}", re.DOTALL
)
_PROG_NAME = re.compile(r"probe_kern_prog_name\(int token_fd\)\n\{(.*?)\n\}", re.DOTALL)


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


def probes_loading_with_token(source: str) -> bool:
    """Whether libbpf's trivial-program check runs through a token (before 77e9d227 it did;
    since, it is skipped when a token is in use)."""
    found = _PROBE_LOADING.search(source)
    if found is None:
        raise SystemExit("no bpf_object__probe_loading() in this file")
    return re.search(r"gen_loader\s*\|\|\s*obj->token_fd", found.group(1)) is None


def facts(libbpf_c: str, features_c: str) -> dict[str, bool]:
    """What one release does with a token, as its source says."""
    prog_name = _PROG_NAME.search(features_c)
    if prog_name is None:
        raise SystemExit("no probe_kern_prog_name() in features.c")
    return {
        "probe_loading_with_token": probes_loading_with_token(libbpf_c),
        # the attribute handed to the kernel must reach prog_token_fd for the token to count
        "prog_name_probe_with_token": "offsetofend(union bpf_attr, prog_token_fd)"
        in prog_name.group(1),
        "btf_by_id_with_token": re.search(
            r"libbpf_find_prog_btf_id\(const char \*name, __u32 attach_prog_fd, int token_fd\)",
            libbpf_c,
        )
        is not None,
        "arena_probe": "arena_map_idx >= 0 && kernel_supports(obj, FEAT_LDIMM64_FULL_RANGE_OFF)"
        in libbpf_c,
    }


def _show(git: str, tag: str, path: str) -> str:
    done = subprocess.run(
        ["git", "-C", git, "show", f"{tag}:{path}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{tag}:{path}: {done.stderr.strip()}")
    return done.stdout


def main(arguments: list[str]) -> int:
    if len(arguments) < 2 or any("=" not in a for a in arguments[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    git = arguments[0]
    releases: dict[str, list[list[object]]] = {}
    known: dict[str, dict[str, Any]] = {}
    for argument in arguments[1:]:
        release, _, tags = argument.partition("=")
        first: tuple[list[list[object]], dict[str, bool]] | None = None
        for tag in tags.split(","):
            libbpf_c = _show(git, tag, "src/libbpf.c")
            read = (table(libbpf_c), facts(libbpf_c, _show(git, tag, "src/features.c")))
            if first is None:
                first = read
            elif read != first:
                raise SystemExit(f"{tag} does not agree with {tags.split(',')[0]}: its own group")
        assert first is not None
        releases[release] = first[0]
        covers = [t.removeprefix("v") if re.fullmatch(r"v\d+\.\d+\.\d+", t) else release
                  for t in tags.split(",")]  # fmt: skip
        known[release] = {"covers": list(dict.fromkeys(covers)), **first[1]}
    data = {
        "source": "libbpf src/libbpf.c section_defs[] and src/features.c, "
        "by tools/gen_libbpf_sections.py",
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
    lines.append(' "facts": {')
    for number, (release, found) in enumerate(known.items()):
        comma = "," if number < len(known) - 1 else ""
        lines.append(f"  {json.dumps(release)}: {json.dumps(found)}{comma}")
    lines.append(" }")
    lines.append("}")
    _OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
