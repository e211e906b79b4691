"""Memory and time of big inputs: many lines, and long lines.

1. ``check -`` over N option strings (one a line) and ``show --mountinfo`` over a mountinfo
   of N bpffs mounts, for each N of ``--lines``: whole-process peak RSS (the child's own
   ``VmHWM``) and the time per line. Goal: peak RSS at most 150 MB and flat in N.
2. ``check -`` over one option string of 1 KB up to 1 MB: the whole run's time, as a
   ratio to the 1 KB case. Goal: no worse than linear (mount(2) passes the kernel only
   the first 4095 bytes, so past that the time should hardly grow).

    .venv/bin/python bench/bench_streaming.py [--lines 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HWM = "[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]"
_CHILD = (
    "import sys; from delegopts.cli import main; status = main(sys.argv[1:]); "
    f"sys.stderr.write('VmHWM ' + {_HWM} + '\\n'); sys.exit(status)"
)
_NAMES = ("map_create", "prog_load", "btf_load", "hash", "array", "xdp", "kprobe", "any")
_KEYS = ("delegate_cmds", "delegate_maps", "delegate_progs", "delegate_attachs")


def option_string(rng: random.Random) -> str:
    pieces = [f"{key}={':'.join(rng.sample(_NAMES, 2))}" for key in rng.sample(_KEYS, 2)]
    return ",".join([*pieces, f"uid={rng.randrange(2000)}"])


def run(argv: list[str], stdin: Path | None) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one delegopts run in a fresh process."""
    start = time.perf_counter()
    with open(stdin or os.devnull, "rb") as feed:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, *argv, "--kernel", "6.18.44"],
            stdin=feed, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            check=False,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    peak = next(line for line in done.stderr.splitlines() if line.startswith("VmHWM "))
    return int(peak.split()[1]) / 1024, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="delegopts-bench-") as scratch:
        work = Path(scratch)
        print("lines       check -: RSS MB  us/line   show --mountinfo: RSS MB  us/line"
              "  (goal: <= 150 MB, flat)")  # fmt: skip
        for count in args.lines:
            options = work / f"options-{count}"
            mountinfo = work / f"mountinfo-{count}"
            with options.open("w") as out, mountinfo.open("w") as info:
                for number in range(count):
                    text = option_string(rng)
                    out.write(text + "\n")
                    info.write(
                        f"{number + 40} 25 0:{number % 200 + 30} / /sys/fs/bpf/t{number} "
                        f"rw,relatime shared:9 - bpf bpffs rw,{text}\n"
                    )
            check_rss, check_s = run(["check", "-", "--no-lint"], options)
            show_rss, show_s = run(["show", "--mountinfo", str(mountinfo), "--no-lint"], None)
            print(f"{count:>9}  {check_rss:>15.1f} {check_s / count * 1e6:>8.1f}   "
                  f"{show_rss:>22.1f} {show_s / count * 1e6:>8.1f}")  # fmt: skip
        print("\nlength     check - seconds  ratio to 1 KB  (goal: no worse than linear)")
        base = None
        for kilobytes in (1, 10, 100, 1000):
            text = work / f"long-{kilobytes}"
            item = "map_create:"
            text.write_text("delegate_cmds=" + item * (kilobytes * 1024 // len(item)) + "any\n")
            best = min(run(["check", "-"], text)[1] for _ in range(3))
            base = base or best
            print(f"{kilobytes:>5} KB  {best:>14.3f}  {best / base:>12.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
