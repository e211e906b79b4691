"""Whatever a mount point or a file name holds, show and check print no control character.

Mount points are written into a mountinfo file the way the kernel escapes them (blank,
tab, newline and backslash as octal); file names go to the file system as they are. The
output of ``show`` (plain, and the rich table of a terminal) and of ``check`` may hold a
raw character only if it is printable or the newline that ends a line; on a terminal,
rich's own style sequences are taken out first.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delegopts.cli import main

_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # rich's SGR sequences (bold headers...)
_K = ["--kernel", "6.18.44"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _kernel_escape(text: str) -> str:
    """A mount point as /proc/self/mountinfo writes it (seq_escape of " \\t\\n\\\\")."""
    return "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in text)


def _raw_characters(text: str) -> set[str]:
    return {c for c in text if not (c.isprintable() or c == "\n")}


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names)
def test_no_control_character_reaches_the_output(name: str) -> None:
    point = "/sys/fs/bpf/" + name.replace("\0", "")
    line = (
        f"36 25 0:32 / {_kernel_escape(point)} rw,relatime shared:9 - bpf bpffs "
        "rw,delegate_cmds=map_create,delegate_progs=xdp\n"
    )
    safe_name = name.replace("/", "_").replace("\0", "_")[:60] or "_"
    with tempfile.TemporaryDirectory() as tmp:
        info = Path(tmp) / f"mi-{safe_name}"
        info.write_text(line, encoding="utf-8", errors="surrogateescape")
        for argv, terminal in (
            (["show", "--mountinfo", str(info), *_K], False),
            (["show", "--mountinfo", str(info), *_K], True),
            (["check", "--mountinfo", str(info), *_K], False),
            (["check", "--fstab", str(info), *_K], False),
        ):
            out = _Terminal() if terminal else io.StringIO()
            err = io.StringIO()
            status = main(argv, stdout=out, stderr=err)
            assert status in (0, 1), err.getvalue()
            for stream in (out.getvalue(), err.getvalue()):
                assert _raw_characters(_STYLE.sub("", stream)) == set(), (argv, stream)
