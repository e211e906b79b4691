"""Peak memory and time of reading real Debian kernel images, against a reference build.

For each Debian kernel package (downloaded into the test cache, see tests/debian.py), the
``vmlinuz`` bzImage is read by ``delegopts btf info`` in a fresh process, as a user runs
it. Printed per image: its size, the whole-process peak RSS (the child's own ``VmHWM``,
the peak since its exec) and the best wall time of ``--runs`` runs, for this checkout and,
in the same run, for a reference commit (``--reference``, default: the last one with the libzstd and
liblz4 decoders called through ctypes), and the ratio of the two times.

The goal: whole-process peak RSS of at most 100 MB for a Debian bzImage (~60 MB of
vmlinux inside), with the image and its payload never held whole in memory.

    .venv/bin/python bench/bench_btf_images.py [--runs 3] [--reference REV]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

#: (package, Debian suite): the three kernels whose BTF data/btf/ ships.
PACKAGES = (
    ("linux-image-6.1.0-47-cloud-amd64-unsigned", "bookworm"),
    ("linux-image-6.12.107+deb13-cloud-amd64", "trixie"),
    ("linux-binary-7.2.13+deb14-cloud-amd64", "unstable"),
)
REFERENCE = "2b78d7f"
GOAL_MB = 100
# VmHWM is the peak of this process's own memory since exec; ru_maxrss of a child would
# also count the parent's pages copied at fork, before the exec.
_HWM = "[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]"
_CHILD = (
    "import sys; from delegopts.cli import main; status = main(sys.argv[1:]); "
    f"sys.stderr.write('VmHWM ' + {_HWM} + '\\n'); sys.exit(status)"
)
_BARE = f"import sys; sys.stderr.write('VmHWM ' + {_HWM} + '\\n')"


def images(workdir: Path) -> list[tuple[str, Path]]:
    """The vmlinuz of each package (named by its kernel), unpacked under ``workdir``."""
    import debian  # tests/debian.py: a private apt, nothing installed

    found: list[tuple[str, Path]] = []
    for name, suite in PACKAGES:
        try:
            deb = debian.download(name, suite)
        except BaseException as skipped:  # pytest.skip outside pytest: say why, go on
            print(f"{name}: not available ({skipped})")
            continue
        tree = workdir / name
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
        vmlinuz = [*tree.glob("boot/vmlinuz-*"), *tree.glob("usr/lib/modules/*/vmlinuz")]
        if not vmlinuz:
            print(f"{name}: no vmlinuz in the package")
            continue
        found += [(name.removeprefix("linux-image-").removeprefix("linux-binary-"), vmlinuz[0])]
    return found


def measure(tree: Path, image: Path, tmpdir: Path) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit status) of one ``btf info`` run from ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), TMPDIR=str(tmpdir))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "btf", "info", str(image), "--json"],
        env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    return _peak(done.stderr), elapsed, done.returncode


def _peak(stderr: str) -> float:
    """The VmHWM line a child wrote, in MB."""
    line = next(line for line in stderr.splitlines() if line.startswith("VmHWM "))
    return int(line.split()[1]) / 1024


def bare(tmpdir: Path) -> float:
    """Peak RSS in MB of the interpreter alone."""
    done = subprocess.run(
        [sys.executable, "-c", _BARE], env=dict(os.environ, TMPDIR=str(tmpdir)),
        stderr=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    return _peak(done.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference", default=REFERENCE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="delegopts-bench-") as scratch:
        work = Path(scratch)
        reference = work / "reference"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(reference),
             args.reference],
            check=True,
        )  # fmt: skip
        try:
            found = images(work)
            print(f"interpreter alone: {bare(work):.1f} MB peak RSS")
            print(f"{'image':<40} {'size MB':>8} {'RSS MB':>7} {'time s':>7} {'ref RSS':>8} "
                  f"{'ref s':>6} {'time/ref':>8}  goal: RSS <= {GOAL_MB} MB")  # fmt: skip
            for label, image in found:
                rows = []
                for tree in (ROOT, reference):
                    runs = [measure(tree, image, work) for _ in range(args.runs)]
                    if any(status != 0 for _, _, status in runs):
                        print(f"{label}: exit status {runs[0][2]} from {tree}")
                    rows.append((max(r[0] for r in runs), min(r[1] for r in runs)))
                (rss, seconds), (ref_rss, ref_seconds) = rows
                verdict = "met" if rss <= GOAL_MB else "NOT met"
                print(f"{label:<40} {image.stat().st_size / 1e6:>8.1f} {rss:>7.1f} "
                      f"{seconds:>7.2f} {ref_rss:>8.1f} {ref_seconds:>6.2f} "
                      f"{seconds / ref_seconds:>7.2f}x  {verdict}")  # fmt: skip
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(reference)],
                check=False,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
