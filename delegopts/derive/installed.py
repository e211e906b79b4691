"""The libbpf installed on this machine: an answer for another release says so.

derive answers for one libbpf release (``--libbpf``, default the newest with a table). A
program that links the machine's shared libbpf loads with that one, which may be older
(Debian 13 ships 1.5.0, Debian 12 1.1.2, which predates BPF tokens): the command then
notes the difference. The version is in the shared library's file name
(``libbpf.so.1.5.0``); a program that carries libbpf inside it is not told apart here.
"""

from __future__ import annotations

import os
import re

__all__ = ["installed_libbpf", "release_key"]

_NAME = re.compile(r"libbpf\.so\.(\d+\.\d+\.\d+)")
#: Where distributions put shared libraries, the machine's multiarch folder first.
_DIRS = ("/usr/lib/{arch}", "/lib/{arch}", "/usr/lib64", "/lib64", "/usr/lib", "/lib")


def release_key(release: str) -> tuple[int, ...]:
    """``1.5.0`` (or ``1.8-dev@f7081a6b``) as numbers to compare: (1, 5, 0), (1, 8)."""
    return tuple(int(part) for part in re.findall(r"\d+", release.partition("@")[0]))


def installed_libbpf(dirs: tuple[str, ...] | None = None) -> str | None:
    """The version of the shared libbpf in the first library folder that has one (the
    newest there), or None."""
    import sysconfig

    arch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    for folder in (d.format(arch=arch) for d in (_DIRS if dirs is None else dirs)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found = [m[1] for m in map(_NAME.fullmatch, names) if m is not None]
        if found:
            return max(found, key=release_key)
    return None
