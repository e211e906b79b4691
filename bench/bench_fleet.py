"""``show --mountinfo`` and ``check --mountinfo`` on a fleet-size host against a small one.

Writes two mountinfo files in the format of ``/proc/self/mountinfo``: 10,000 lines of which
300 are bpffs mounts, and 100 lines of which 3 are (the same share), the bpffs mounts
repeating a few option strings as fleets do. Each command runs on both, interleaved, as
fresh processes; the ratio of the medians is printed (goal: at most 2x).

    .venv/bin/python bench/bench_fleet.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("delegopts")
_DELEGOPTS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "delegopts"]

#: What fleets mount: a few option strings, repeated.
_BPFFS_OPTIONS = [
    "rw,relatime",
    "rw,relatime,uid=1000,gid=1000,mode=700,delegate_cmds=map_create:prog_load:btf_load,"
    "delegate_maps=hash:array,delegate_progs=kprobe:xdp,delegate_attachs=xdp",
    "rw,relatime,delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any",
    "rw,relatime,uid=65534,gid=65534,mode=700,delegate_cmds=prog_load,delegate_progs=xdp",
]
_OTHERS = [
    ("overlay", "overlay", "rw,lowerdir=/var/lib/c/l/{n}:/var/lib/c/l/b,upperdir=/u/{n}"),
    ("tmpfs", "tmpfs", "rw,size=65536k,mode=755,inode64"),
    ("proc", "proc", "rw"),
    ("cgroup2", "cgroup2", "rw,nsdelegate,memory_recursiveprot"),
    ("ext4", "/dev/nvme0n1p{n}", "rw,errors=remount-ro"),
]


def mountinfo(lines: int, bpffs: int) -> str:
    """A mountinfo of ``lines`` mounts, ``bpffs`` of them bpffs, spread through the file."""
    every = lines // bpffs
    out = []
    for n in range(lines):
        head = f"{n + 30} 29 0:{n + 40} / /run/c/{n}/mnt rw,nosuid,nodev,relatime shared:{n} -"
        if n % every == every // 2:
            options = _BPFFS_OPTIONS[n % len(_BPFFS_OPTIONS)]
            out.append(f"{head} bpf bpffs {options}")
        else:
            fstype, source, options = _OTHERS[n % len(_OTHERS)]
            out.append(f"{head} {fstype} {source.format(n=n)} {options.format(n=n)}")
    return "\n".join(out) + "\n"


def _once(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, from wait4: what other work on a shared
    machine takes from the run does not count) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped: Popen must not wait for it again
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder, "small"), Path(folder, "large")
        small.write_text(mountinfo(100, 3))
        large.write_text(mountinfo(10_000, 300))
        runs_of = {
            (command, size): [*_DELEGOPTS, command, "--mountinfo", str(path)]
            for command in ("show", "check")
            for size, path in (("100 lines", small), ("10,000 lines", large))
        }
        times: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in runs_of}
        for argv in runs_of.values():
            _once(argv)  # warm the page cache
        for _ in range(runs):
            for key, argv in runs_of.items():
                times[key].append(_once(argv))
    print(f"{runs} runs each, interleaved; medians of wall time and of CPU time")
    for command in ("show", "check"):
        for index, clock in enumerate(("wall", "CPU")):
            few = statistics.median(t[index] for t in times[command, "100 lines"])
            many = statistics.median(t[index] for t in times[command, "10,000 lines"])
            verdict = "meets" if many <= 2 * few else "MISSES"
            print(
                f"  {command} --mountinfo, {clock}: 100 lines {few * 1000:.1f} ms, 10,000 lines "
                f"{many * 1000:.1f} ms: {many / few:.2f}x ({verdict} the goal of 2x)"
            )


if __name__ == "__main__":
    main()
