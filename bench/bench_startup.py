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


def _once(argv: list[str], terminal: bool = False) -> tuple[float, float]:
    """Wall time and CPU time (user + system, from wait4) of one run.

    The machine is shared: what other work takes from a run counts in its wall time, not
    in its CPU time, so both are kept.
    """
    if not terminal:
        # check exits 1 when it finds a warning: that is an answer, not a failure
        return _timed(argv, subprocess.DEVNULL)
    main, child = pty.openpty()
    drain = threading.Thread(target=_drain, args=(main,), daemon=True)
    drain.start()
    try:
        return _timed(argv, child)
    finally:
        os.close(child)
        drain.join()
        os.close(main)


def _timed(argv: list[str], stdout: int) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped here: Popen must not wait for it again
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


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
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in (*COMMANDS, *TERMINAL)}
    for argv in COMMANDS.values():  # warm the page cache once
        _once(argv)
    for argv in TERMINAL.values():
        _once(argv, terminal=True)
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            times[name].append(_once(argv))
        for name, argv in TERMINAL.items():
            times[name].append(_once(argv, terminal=True))
    print(f"{runs} runs each, interleaved; ratio to python3 -c pass of the medians of wall")
    print("time and of CPU time (CPU time does not count what other work takes from a run)")
    print("(stdout is /dev/null, where show prints plain text; '(terminal)': a pseudo-terminal)")
    base = [statistics.median(t[i] for t in times["python3 -c pass"]) for i in (0, 1)]
    for name, samples in times.items():
        wall, cpu = (statistics.median(t[i] for t in samples) for i in (0, 1))
        goal = GOALS.get(name)
        verdict = (
            ""
            if goal is None
            else f"  {'meets' if wall <= goal * base[0] else 'MISSES'} the goal of {goal}x"
            f" by wall time, {'meets' if cpu <= goal * base[1] else 'MISSES'} it by CPU time"
        )
        print(
            f"  {name:<28} wall {wall * 1000:6.1f} ms {wall / base[0]:5.2f}x"
            f"   CPU {cpu * 1000:6.1f} ms {cpu / base[1]:5.2f}x{verdict}"
        )


if __name__ == "__main__":
    main()
