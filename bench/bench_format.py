"""Format a few thousand option strings with delegopts and mount the same through the kernel.

Prints both rates and their ratio (goal: delegopts at least 3x the kernel's trial-mount
rate). The kernel half needs root; without it only delegopts' rate is printed.

    .venv/bin/python bench/bench_format.py [COUNT]
"""

from __future__ import annotations

import contextlib
import sys
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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    rounds = 5
    catalog = Catalog.running_kernel()
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
    print(f"ratio: {best / theirs:.1f}x ({verdict} the goal of 3x)")


if __name__ == "__main__":
    main()
