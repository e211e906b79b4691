"""How fast and how lean delegopts reads BTF. Prints figures; asserts nothing.

1. In-process: the four enums from /sys/kernel/btf/vmlinux (goal: at most 10 ms), the
   whole catalog, and the full validating walk for scale.
2. Whole processes, interleaved: ``delegopts names --btf /sys/kernel/btf/vmlinux`` (table
   and --json) against Debian's ``bpftool btf dump file /sys/kernel/btf/vmlinux format
   raw`` (goal: delegopts faster).
3. Peak memory (ru_maxrss of a fresh child) of reading each SOURCE given on the command
   line, next to the interpreter's baseline with the same imports and the .BTF size
   (goal: peak - baseline < 3 x .BTF size).

    .venv/bin/python bench/bench_btf.py [RUNS] [SOURCE...]
    e.g. SOURCE = /boot/vmlinuz-$(uname -r) or an extracted vmlinux
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

RUNNING = "/sys/kernel/btf/vmlinux"
ENUMS = ("bpf_cmd", "bpf_map_type", "bpf_prog_type", "bpf_attach_type")

# The baseline loads the same code (the readers and the decompression bindings),
# so what is above it is what reading costs. A thread samples the resident anonymous and
# file-backed memory every millisecond, to tell private memory from mapped page cache.
_CHILD = """
import resource, sys, threading, time
from delegopts.btf.reader import BTF
from delegopts.catalog import Catalog
from delegopts.btf.load import load_btf
import delegopts.btf.elf, delegopts.btf.decompress, zstandard, lz4.block, elftools.elf.elffile
peaks = {"RssAnon": 0, "RssFile": 0}
def sample():
    while True:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in peaks:
                    peaks[key] = max(peaks[key], int(value.split()[0]))
        time.sleep(0.001)
threading.Thread(target=sample, daemon=True).start()
time.sleep(0.01)
if sys.argv[1] != "-":
    btf, info = load_btf(sys.argv[1])
    Catalog.from_btf(btf)
    print(info.btf_size, " > ".join(info.layers), end=" ")
else:
    time.sleep(0.05)
    print(0, "baseline", end=" ")
print(peaks["RssAnon"], peaks["RssFile"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _ms(work: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _line(label: str, times: list[float]) -> str:
    return f"  {label:<44} best {min(times):7.1f} ms   median {statistics.median(times):7.1f} ms"


def in_process(runs: int) -> None:
    from delegopts.btf import BTF, KIND_ENUM
    from delegopts.catalog import Catalog

    def four_enums() -> None:
        btf = BTF.from_file(RUNNING)
        btf.find_many([(name, KIND_ENUM) for name in ENUMS])
        for name in ENUMS:
            btf.find_enum(name)

    print(f"in-process, {RUNNING} ({runs} runs; goal: four enums <= 10 ms)")
    print(_line("open + the four enums (BTF.find_enum)", _ms(four_enums, runs)))
    print(_line("Catalog.from_file (enums + struct + catalog)", _ms(
        lambda: Catalog.from_file(RUNNING), runs)))  # fmt: skip
    print(_line("full walk of every type, for scale", _ms(
        lambda: BTF.from_file(RUNNING).count_types(), max(3, runs // 5))))  # fmt: skip


def processes(runs: int) -> None:
    bpftool = shutil.which("bpftool")
    commands = {
        "delegopts names --btf (table)": [sys.executable, "-m", "delegopts", "names", "--btf",
                                          RUNNING],
        "delegopts names --btf --json": [sys.executable, "-m", "delegopts", "names", "--btf",
                                         RUNNING, "--json"],
    }  # fmt: skip
    if bpftool:
        commands["bpftool btf dump file ... format raw"] = [
            bpftool, "btf", "dump", "file", RUNNING, "format", "raw",
        ]  # fmt: skip
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):  # interleaved: a busy machine slows all alike
        for label, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[label].append((time.perf_counter() - start) * 1000)
    where = bpftool or "bpftool not installed (apt-get install bpftool)"
    print(f"\nwhole processes, {runs} runs each, interleaved ({where})")
    for label, measured in times.items():
        print(_line(label, measured))


def memory(sources: list[str]) -> None:
    print("\npeak memory (ru_maxrss of a fresh child; goal: peak - baseline < 3 x .BTF size)")
    base_anon, base_file, baseline = map(int, _child("-").split()[-3:])
    print(f"  {'interpreter + imports':<44} {baseline / 1024:7.1f} MiB")
    for source in sources:
        words = _child(source).split()
        size, kind = int(words[0]), " ".join(words[1:-3])
        anon, file, peak = map(int, words[-3:])
        extra = (peak - baseline) / 1024
        ratio = (peak - baseline) * 1024 / size
        print(f"  {source}\n    {kind}: .BTF {size / 2**20:.1f} MiB, peak {peak / 1024:.1f} MiB, "
              f"above baseline {extra:.1f} MiB = {ratio:.2f} x .BTF\n"
              f"    sampled peaks above baseline: anonymous {(anon - base_anon) / 1024:.1f} MiB, "
              f"file-backed (mapped page cache) {(file - base_file) / 1024:.1f} MiB")  # fmt: skip


def _child(source: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, source], capture_output=True, text=True, check=True
    )
    return done.stdout


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    in_process(runs)
    processes(max(5, runs // 2))
    memory([RUNNING, *sys.argv[2:]])


if __name__ == "__main__":
    main()
