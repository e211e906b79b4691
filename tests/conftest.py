"""What every test module shares: live-kernel tests skip, with the reason, where they cannot run.

A test marked ``live`` mounts bpffs on the running kernel. They run only when asked for
with ``DELEGOPTS_LIVE_TESTS=1`` (the README's test command and CI set it): a packager's
build chroot, where root may mount but should not, runs none without saying so. Whether
they can run is found out when the first such test runs (a trial mount), never when test
modules are imported, so ``pytest -m "not live"`` mounts nothing.
"""

from __future__ import annotations

import faulthandler
import functools
import os
from collections.abc import Generator, Iterator
from typing import TextIO

import pytest
from hypothesis import HealthCheck, settings
from systemd_oracle import SystemdOracle, oracle

# On CI every hypothesis release draws the same examples, so a run passes or fails by
# the code alone; locally each run explores new ones (an example that fails is kept in
# .hypothesis/ and tried first next time). Newer hypothesis releases do this by themselves.
settings.register_profile(
    "delegopts-ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI"):
    settings.load_profile("delegopts-ci")


@functools.cache
def _why_not_live() -> str | None:
    if os.environ.get("DELEGOPTS_LIVE_TESTS") != "1":
        return "live-kernel tests mount bpffs: set DELEGOPTS_LIVE_TESTS=1 to run them"
    from delegopts.livekernel import mount_unavailable

    reason = mount_unavailable()
    return None if reason is None else f"cannot mount bpffs: {reason}"


#: A test still running after this long is hung (the whole suite takes a few minutes):
#: every thread's stack is printed and the run ends, rather than waiting for CI's limit.
#: Long fuzzing runs (DELEGOPTS_FUZZ_EXAMPLES) raise it; 0 turns the watchdog off.
HANG_SECONDS = float(os.environ.get("DELEGOPTS_HANG_SECONDS", "300"))
_real_stderr: list[TextIO] = []


def pytest_configure(config: pytest.Config) -> None:
    # output capture is suspended here: descriptor 2 is the terminal or CI's log
    _real_stderr.append(open(os.dup(2), "w"))  # noqa: SIM115 - open for the whole run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    if HANG_SECONDS > 0:
        faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=_real_stderr[0])
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # a hook, not a fixture: it runs before any fixture of the test (module-scoped trial
    # mounters included) is set up
    if item.get_closest_marker("live") is not None:
        reason = _why_not_live()
        if reason is not None:
            pytest.skip(reason)


@pytest.fixture(scope="session")
def systemd_real() -> Iterator[SystemdOracle]:
    """systemd's own parser (Debian unstable's build) in a child process, or skip."""
    running = oracle()
    yield running
    running.close()


@pytest.fixture(autouse=True)
def _no_installed_libbpf(monkeypatch: pytest.MonkeyPatch) -> None:
    """derive notes where this machine's libbpf differs from the answer's: tests see no
    libbpf installed, so their output does not depend on the machine (tests of the note
    point it at folders of their own)."""
    from delegopts.derive import installed

    monkeypatch.setattr(installed, "_DIRS", ())
