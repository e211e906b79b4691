"""Format a few thousand option strings with delegopts and mount the same through the kernel.

Two comparisons, interleaved in rounds (a busy machine slows all alike), best of each:

- in-process: ``parse`` and ``str`` in this interpreter against ``TrialMounter`` (mount(2),
  read mountinfo, umount(2) through ctypes);
- whole process (the goal): ``delegopts format --json -f FILE``, start-up included, against
  ``trial_mounts.c`` doing the same mount, mountinfo read and umount in a C loop.

Goal: delegopts at least 3x the kernel's rate. The kernel half needs root and a C compiler;
without them only delegopts' rates are printed. The strings are the generated corpus of the
tests (``tests/corpus.py``), without the ones a file of lines cannot hold (a line break) and
empty ones (``-f`` skips blank lines).

    .venv/bin/python bench/bench_format.py [COUNT]
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus import option_strings

from delegopts import Catalog, OptionError, parse
from delegopts.livekernel import TrialMounter, mount_unavailable


def _rate(corpus: list[str], work: Callable[[str], object]) -> float:
    start = time.perf_counter()
    for text in corpus:
        work(text)
    return len(corpus) / (time.perf_counter() - start)


_BENCH = Path(__file__).resolve().parent
_SCRIPT = Path(sys.executable).with_name("delegopts")
_DELEGOPTS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "delegopts"]


def _lines(catalog: Catalog, count: int) -> list[str]:
    """``count`` generated strings that are each one non-empty line."""
    strings = option_strings(catalog, count * 2, seed=11)
    return [text for text in strings if text and not ({"\n", "\r"} & set(text))][:count]


def _process_rate(argv: list[str], count: int) -> tuple[float, float]:
    """Strings a second by wall time and by the CPU time the process used.

    The machine is shared: wall time counts what other work takes from the run, CPU time
    (user + system, from wait4) does not, so both are printed.
    """
    import os

    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: some strings are refused, as they should be
        raise SystemExit(f"{argv[0]} failed with status {process.returncode}")
    return count / wall, count / (usage.ru_utime + usage.ru_stime)


def _trial_mounts(folder: Path) -> list[str] | None:
    """The command line of the compiled C loop, or None (and why) where it cannot run."""
    compiler = shutil.which("cc") or shutil.which("clang")
    if compiler is None or mount_unavailable() is not None:
        print(f"kernel (C loop): not measured ({mount_unavailable() or 'no C compiler'})")
        return None
    program = folder / "trial_mounts"
    subprocess.run(
        [compiler, "-O2", "-o", str(program), str(_BENCH / "trial_mounts.c")], check=True
    )
    (folder / "mnt").mkdir()
    return [str(program), str(folder / "mnt")]


def whole_process(catalog: Catalog, count: int, rounds: int) -> None:
    """``format --json -f`` as a user runs it against the kernel's trial mounts in C."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        strings = folder / "strings"
        strings.write_text("".join(f"{text}\n" for text in _lines(catalog, count)))
        ours_argv = [*_DELEGOPTS, "format", "--json", "-f", str(strings)]
        kernel_argv = _trial_mounts(folder)
        ours: list[tuple[float, float]] = []
        kernel: list[tuple[float, float]] = []
        for _ in range(rounds):
            ours.append(_process_rate(ours_argv, count))
            if kernel_argv is not None:
                kernel.append(_process_rate([*kernel_argv, str(strings)], count))
    for index, clock in enumerate(("wall time", "CPU time")):
        mine = [rates[index] for rates in ours]
        print(f"delegopts format --json -f, {count} strings, whole process, {clock}, "
              f"best of {rounds}: {_rates(mine)}")  # fmt: skip
        if kernel:
            theirs = [rates[index] for rates in kernel]
            print(f"kernel trial mounts in a C loop, {clock}, best of {rounds}: {_rates(theirs)}")
            ratio = max(mine) / max(theirs)
            verdict = "meets" if ratio >= 3 else "MISSES"
            print(f"ratio, whole process, {clock}: {ratio:.1f}x ({verdict} the goal of 3x)")


def _rates(rates: list[float]) -> str:
    return f"{max(rates):,.0f} strings/s (all: {', '.join(f'{r:,.0f}' for r in rates)})"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    rounds = 5
    catalog = Catalog.running_kernel()
    whole_process(catalog, count, rounds)
    corpus = list(option_strings(catalog, count, seed=11))
    parse("delegate_cmds=any", catalog)  # build the parser once, as any long-lived tool does

    def ours(text: str) -> object:
        try:
            return str(parse(text, catalog))
        except OptionError as error:
            return error.errno_name

    reason = mount_unavailable()
    ours_rates: list[float] = []
    kernel_rates: list[float] = []
    with contextlib.ExitStack() as stack:
        kernel = None if reason else stack.enter_context(TrialMounter())
        for _ in range(rounds):  # interleaved, so a busy machine slows both alike
            ours_rates.append(_rate(corpus, ours))
            if kernel is not None:
                kernel_rates.append(_rate(corpus, kernel.trial))
    best = max(ours_rates)
    print(f"delegopts: {len(corpus)} option strings, best of {rounds}: {best:,.0f} strings/s "
          f"(all: {', '.join(f'{r:,.0f}' for r in ours_rates)})")  # fmt: skip
    if kernel is None:
        print(f"kernel: not measured ({reason})")
        return
    theirs = max(kernel_rates)
    print(f"kernel trial mounts (mount + mountinfo + umount), best of {rounds}: {theirs:,.0f} "
          f"strings/s (all: {', '.join(f'{r:,.0f}' for r in kernel_rates)})")  # fmt: skip
    verdict = "meets" if best >= 3 * theirs else "MISSES"
    print(f"ratio, in-process: {best / theirs:.1f}x ({verdict} the goal of 3x)")


if __name__ == "__main__":
    main()
