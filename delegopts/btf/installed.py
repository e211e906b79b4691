"""Find an installed kernel's image from its release (``uname -r``).

>>> find_installed_image("../etc")
Traceback (most recent call last):
...
delegopts.errors.BTFError: --kernel-release: not a kernel release: '../etc'
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from delegopts.btf import load
from delegopts.errors import BTFError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["IMAGE_ROOTS", "find_installed_image", "release_source"]

IMAGE_ROOTS = ("/boot", "/usr/lib/modules", "/lib/modules", "/usr/lib/debug")


def find_installed_image(
    release: str, roots: Sequence[str | os.PathLike[str]] | None = None
) -> Path:
    """The image of the installed kernel ``release``: a vmlinux if one is installed
    (no decompression), else its vmlinuz; BTFError naming the installed ones otherwise.
    """
    from pathlib import Path

    if not release or "/" in release or release in (".", ".."):
        raise BTFError(f"not a kernel release: {release!r}", source="--kernel-release")
    roots = IMAGE_ROOTS if roots is None else roots
    for root in map(Path, roots):
        for relative in (
            f"vmlinux-{release}",
            f"{release}/vmlinux",
            f"boot/vmlinux-{release}",
            f"lib/modules/{release}/vmlinux",
            f"vmlinuz-{release}",
            f"{release}/vmlinuz",
            f"Image-{release}",
        ):
            candidate = root / relative
            if candidate.is_file():
                return candidate
    installed = sorted(
        {
            name.name.removeprefix("vmlinuz-")
            for root in map(Path, roots)
            if root.is_dir()
            for name in root.iterdir()
            if name.name.startswith("vmlinuz-") or (name / "vmlinuz").is_file()
        }
    )
    import difflib

    close = difflib.get_close_matches(release, installed, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise BTFError(
        f"no image of kernel {release} under {', '.join(map(str, roots))} "
        f"(installed: {', '.join(installed) or 'none'}){hint}",
        source="--kernel-release",
    )


def release_source(release: str) -> str:
    """Where the BTF of installed kernel ``release`` is: its image under /boot or
    /usr/lib/modules, else, for the running kernel, ``/sys/kernel/btf/vmlinux``."""
    try:
        return str(find_installed_image(release))
    except BTFError:
        running = load.RUNNING_KERNEL_BTF  # looked up here: tests point it elsewhere
        if release == os.uname().release and os.path.exists(running):
            return running
        raise
