"""What every test module shares: live-kernel tests skip, with the reason, where they cannot run.

A test marked ``live`` mounts bpffs on the running kernel. Whether it can is found out
when the first such test runs (a trial mount), never when test modules are imported, so
``pytest -m "not live"`` mounts nothing. ``DELEGOPTS_LIVE_TESTS=0`` skips them outright
(a build chroot where root may mount but should not).
"""

from __future__ import annotations

import functools
import os

import pytest


@functools.cache
def _why_not_live() -> str | None:
    if os.environ.get("DELEGOPTS_LIVE_TESTS", "1") == "0":
        return "DELEGOPTS_LIVE_TESTS=0"
    from delegopts.livekernel import mount_unavailable

    reason = mount_unavailable()
    return None if reason is None else f"cannot mount bpffs: {reason}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    # a hook, not a fixture: it runs before any fixture of the test (module-scoped trial
    # mounters included) is set up
    if item.get_closest_marker("live") is not None:
        reason = _why_not_live()
        if reason is not None:
            pytest.skip(reason)
