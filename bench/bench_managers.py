"""Time of reading Incus and LXD configurations, as a ratio to parsing the same text as JSON.

``incus list --format json`` output of N instances (each with the four
``security.bpffs.delegate_*`` keys in ``expanded_config``) is read by
``delegopts.formats.incus.scan_incus`` (every value placed, every string assembled) and, as
the reference in the same run, by ``json.loads`` (no positions, nothing assembled). The
same instances as YAML (``incus list --format yaml``) and with one non-ASCII character (the
pure-Python reader) are timed too. Best of ``--repeat`` runs, in-process.

    .venv/bin/python bench/bench_managers.py [--instances 100 1000 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import yaml

from delegopts.formats.incus import scan_incus

_CONFIG = {
    "security.bpffs.delegate_cmds": "map_create,prog_load,btf_load",
    "security.bpffs.delegate_maps": "hash,array,ringbuf",
    "security.bpffs.delegate_progs": "socket_filter,kprobe",
    "security.bpffs.delegate_attachs": "any",
    "image.os": "Debian",
    "volatile.last_state.power": "RUNNING",
}


def instances(count: int) -> list[dict[str, object]]:
    return [
        {
            "architecture": "x86_64",
            "config": {},
            "expanded_config": dict(_CONFIG),
            "name": f"c{number}",
            "profiles": ["default", "bpf"],
            "status": "Running",
            "type": "container",
        }
        for number in range(count)
    ]


def best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("instances  bytes(JSON)  json.loads  JSON read  ratio  YAML read  non-ASCII JSON")
    for count in args.instances:
        items = instances(count)
        as_json = json.dumps(items)
        as_yaml = yaml.safe_dump(items, default_flow_style=False)
        other = as_json.replace('"c0"', '"c\\u00e9"', 1).replace("\\u00e9", "\u00e9")
        reference = best(args.repeat, lambda text=as_json: json.loads(text))
        read = best(args.repeat, lambda text=as_json: scan_incus(text, "list.json"))
        read_yaml = best(args.repeat, lambda text=as_yaml: scan_incus(text, "list.yaml"))
        read_other = best(args.repeat, lambda text=other: scan_incus(text, "list.json"))
        found = len(scan_incus(as_json, "list.json").found)
        assert found == count, (found, count)
        print(
            f"{count:9d}  {len(as_json):11d}  {reference:9.4f}s  {read:8.3f}s  "
            f"{read / reference:5.0f}x  {read_yaml:8.3f}s  {read_other:13.3f}s"
        )


if __name__ == "__main__":
    main()
