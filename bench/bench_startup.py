"""Start-up time of ``delegopts --version`` and ``delegopts show`` against ``python3 -c pass``.

All of them run in the same session, interleaved (a busy machine slows all alike), each as a
fresh process of the same interpreter; the median of each is printed with its ratio to
the bare interpreter, and each command's goal: ``--version`` at most 1.5x; ``show``,
``check -o STRING`` and ``format STRING`` at most 3x; ``show`` on a terminal at most 4x.

An installed wheel carries bytecode (pip compiles it), but a checkout has none, and
with PYTHONDONTWRITEBYTECODE set (as on this project's machines) every run would
compile every module from source again. So the package is byte-compiled first, into
its ``__pycache__`` directories (ignored by git), to measure what users run.

    .venv/bin/python bench/bench_startup.py [RUNS]
"""

from __future__ import annotations

import compileall
import os
import pty
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

# The installed entry point when there is one (what users run), else the module.
_SCRIPT = Path(sys.executable).with_name("delegopts")
_DELEGOPTS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "delegopts"]
_MOUNTINFO = Path(__file__).resolve().parents[1] / "tests" / "data" / "mountinfo-6.18.44"
_STRING = "delegate_cmds=map_create:prog_load,delegate_progs=xdp,delegate_attachs=xdp"
COMMANDS = {
    "python3 -c pass": [sys.executable, "-c", "pass"],
    "delegopts --version": [*_DELEGOPTS, "--version"],
    "delegopts show": [*_DELEGOPTS, "show"],
    "delegopts check -o STRING": [*_DELEGOPTS, "check", "-o", _STRING],
    "delegopts format STRING": [*_DELEGOPTS, "format", _STRING],
    "delegopts show --no-lint": [*_DELEGOPTS, "show", "--no-lint"],
    # this host may have no bpffs mount: also a captured mountinfo with delegation mounts
    "delegopts show --mountinfo": [*_DELEGOPTS, "show", "--mountinfo", str(_MOUNTINFO)],
}


#: The goal of each command, as a ratio to the bare interpreter (None: no goal).
GOALS = {
    "delegopts --version": 1.5,
    "delegopts show": 3.0,
    "delegopts check -o STRING": 3.0,
    "delegopts format STRING": 3.0,
    "delegopts show (terminal)": 4.0,
}

#: Run with a terminal as stdout (a pseudo-terminal), where show draws a rich table.
TERMINAL = {"delegopts show (terminal)": [*_DELEGOPTS, "show"]}


def _once(argv: list[str], terminal: bool = False) -> float:
    if not terminal:
        start = time.perf_counter()
        # check exits 1 when it finds a warning: that is an answer, not a failure
        subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start
    main, child = pty.openpty()
    drain = threading.Thread(target=_drain, args=(main,), daemon=True)
    drain.start()
    try:
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=child, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start
    finally:
        os.close(child)
        drain.join()
        os.close(main)


def _drain(fd: int) -> None:
    """Read what the child writes to the terminal, so it never blocks on a full buffer."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO: the last writer closed
        pass


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    import delegopts

    compileall.compile_dir(Path(delegopts.__file__).parent, quiet=1)
    times: dict[str, list[float]] = {name: [] for name in (*COMMANDS, *TERMINAL)}
    for argv in COMMANDS.values():  # warm the page cache once
        _once(argv)
    for argv in TERMINAL.values():
        _once(argv, terminal=True)
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            times[name].append(_once(argv))
        for name, argv in TERMINAL.items():
            times[name].append(_once(argv, terminal=True))
    base = statistics.median(times["python3 -c pass"])
    fastest = min(times["python3 -c pass"])
    print(f"{runs} runs each, interleaved; wall time and ratio to python3 -c pass, as medians")
    print("and as minimums (noise only ever adds, so the minimums vary less between runs)")
    print("(stdout is /dev/null, where show prints plain text; '(terminal)': a pseudo-terminal)")
    for name, samples in times.items():
        median, least = statistics.median(samples), min(samples)
        goal = GOALS.get(name)
        verdict = (
            ""
            if goal is None
            else f"  {'meets' if median <= goal * base else 'MISSES'} the goal of {goal}x"
        )
        print(
            f"  {name:<28} median {median * 1000:6.1f} ms {median / base:5.2f}x"
            f"   min {least * 1000:6.1f} ms {least / fastest:5.2f}x{verdict}"
        )


if __name__ == "__main__":
    main()
