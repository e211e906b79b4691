"""The codes of findings about files themselves (``F...``), and reading ``--ignore`` values.

``D...`` codes are the parser's and lint's (:class:`~delegopts.diagnostics.Code`); ``F...``
codes are about where the options are written. Either may be given by code or by name.

>>> sorted(ignore_codes(["d201, unknown-key", "F202"]))
['D101', 'D201', 'F202']
>>> ignore_codes(["D9999"])
Traceback (most recent call last):
...
ValueError: unknown code 'D9999' (codes: D101-D5xx, F101-F401; see 'delegopts rules')
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FORMAT_CODES", "ignore_codes"]

#: code: (name, severity, summary)
FORMAT_CODES = {
    "F101": ("syntax", "error", "a line its format's grammar does not accept"),
    "F102": ("fstab-fields", "warning", "an fstab entry with fewer than 3 fields"),
    "F103": ("no-bpffs-type", "error", "'bpffs' written as the filesystem type: it is 'bpf'"),
    "F104": ("mountinfo-line", "error", "a line that is not mountinfo"),
    "F201": ("systemd-name", "error", "a BPFDelegate*= name systemd does not know"),
    "F202": ("systemd-no-private-bpf", "warning", "BPFDelegate*= without PrivateBPF=yes"),
    "F203": ("systemd-no-private-users", "warning", "BPFDelegate*= without PrivateUsers="),
    "F301": ("command-quotes", "error", "a command line that cannot be split into words"),
    "F302": ("not-mount", "error", "a command line that is not a mount command"),
    "F303": ("option-value", "error", "a mount option without its value"),
    "F304": ("no-type", "warning", "a mount command without '-t bpf'"),
    "F305": ("other-type", "info", "a mount command for another filesystem, left alone"),
    "F401": ("incus-key", "warning", "a security.bpffs.* key Incus does not have"),
}


def _known() -> dict[str, str]:
    from delegopts.diagnostics import Code

    known = {code.value.lower(): code.value for code in Code}
    known |= {code.slug: code.value for code in Code}
    known |= {code.lower(): code for code in FORMAT_CODES}
    known |= {name: code for code, (name, _, _) in FORMAT_CODES.items()}
    return known


def ignore_codes(values: Iterable[str]) -> frozenset[str]:
    """The codes ``--ignore`` values (``CODE[,CODE]``, codes or names) stand for."""
    known = _known()
    codes: set[str] = set()
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in known:
                import difflib

                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f"; did you mean '{known[close[0]]}'?" if close else ""
                raise ValueError(
                    f"unknown code {part.strip()!r} (codes: D101-D5xx, F101-F401; see "
                    f"'delegopts rules'){hint}"
                )
            codes.add(known[name])
    return frozenset(codes)
