"""Check option strings and the files that hold them, from Python: what ``delegopts check``
does, as values.

>>> report = check_text("bpffs /sys/fs/bpf/t bpf delegate_cmds=prog_lod 0 0\\n", "fstab",
...                     tiny_catalog, path="fstab")
>>> [(f.code.value, f.line, f.column) for f in report.findings]
[('EINVAL', 1, 39)]
>>> report.failed()
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from delegopts.diagnostics import Diagnostic
from delegopts.policy import Policy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from delegopts.catalog import Catalog
    from delegopts.formats import Format
    from delegopts.formats.findings import Checked
    from delegopts.systemd.units import UnitFile

__all__ = ["Report", "check_file", "check_options", "check_text"]


@dataclass(frozen=True, slots=True)
class Report:
    """What checking one input gave: each option string checked, and every finding (the
    file's own and each string's, located in the file) with the ignored codes left out."""

    results: tuple[Checked, ...]
    findings: tuple[Diagnostic, ...]
    policy: Policy = field(default_factory=Policy)

    def failed(self) -> bool:
        """Whether ``check`` would exit 1: an error, or a warning under ``strict``."""
        return self.policy.fails(self.findings)


def check_options(
    text: str, catalog: Catalog, *, policy: Policy | None = None, lint: bool = True
) -> Report:
    """One option string (as ``mount -o`` would pass it)."""
    from delegopts.formats import Found

    return _report([Found.plain(text, path="", line=1)], (), catalog, policy, lint)


def check_text(
    text: str,
    kind: Format,
    catalog: Catalog,
    *,
    path: str = "<text>",
    policy: Policy | None = None,
    lint: bool = True,
    systemd: str | None = None,
) -> Report:
    """The text of a file of format ``kind`` (``fstab``, ``mountinfo``, ``unit``, ``incus``,
    ``command``), as if read from ``path``; a unit as the systemd release ``systemd`` reads
    it (default: the newest delegopts knows)."""
    from delegopts.formats import scan

    if kind == "unit":
        from delegopts.systemd.units import UnitFile

        return _unit_report([UnitFile(path, text)], catalog, policy, lint, systemd)
    scanned = scan(kind, text, path, catalog)
    return _report(scanned.found, scanned.findings, catalog, policy, lint)


def check_file(
    path: str | os.PathLike[str],
    catalog: Catalog,
    *,
    kind: Format | None = None,
    policy: Policy | None = None,
    lint: bool = True,
    systemd: str | None = None,
) -> Report:
    """A file, its format told by ``kind`` or by its name; InputError if it cannot be read,
    ValueError if its format cannot be told. A unit comes with the drop-ins beside it
    (``NAME.d/*.conf``...), read as the systemd release ``systemd`` does."""
    from delegopts.formats import guess_format
    from delegopts.inputs import open_regular

    name = os.fspath(path)
    kind = kind or guess_format(name)
    if kind is None:
        raise ValueError(f"{name}: cannot tell the format: give kind=")
    with open_regular(name) as stream:
        text = stream.read().decode("utf-8", "surrogateescape")
    if kind == "unit":
        from pathlib import Path

        from delegopts.errors import InputError
        from delegopts.systemd.units import UnitFile, dropin_dirs, dropins

        try:
            more = dropins(dropin_dirs(Path(name).parent, Path(name).name))
            files = [UnitFile(name, text)] + [
                UnitFile(str(p), p.read_bytes().decode("utf-8", "surrogateescape")) for p in more
            ]
        except OSError as error:
            why = f"cannot read: {error.strerror or error}"
            raise InputError(name, why, errno=error.errno) from error
        return _unit_report(files, catalog, policy, lint, systemd)
    return check_text(text, kind, catalog, path=name, policy=policy, lint=lint)


def _unit_report(
    files: list[UnitFile],
    catalog: Catalog,
    policy: Policy | None,
    lint: bool,
    systemd: str | None,
) -> Report:
    from delegopts.formats.systemd import scan_unit_files
    from delegopts.systemd.tables import known, load, select

    release = select(systemd)[0] if systemd is not None else load(known()[-1])
    scanned = scan_unit_files(files, catalog, release)
    order = {unit_file.path: number for number, unit_file in enumerate(files)}
    return _report(scanned.found, scanned.findings, catalog, policy, lint, files=order)


def _report(
    found: Iterable[object],
    file_findings: Iterable[Diagnostic],
    catalog: Catalog,
    policy: Policy | None,
    lint: bool,
    *,
    files: dict[str, int] | None = None,
) -> Report:
    from delegopts.formats import Found
    from delegopts.formats.findings import check_found

    policy = policy or Policy()
    results = tuple(
        check_found(f, catalog, policy.ignore, lint=lint) for f in found if isinstance(f, Found)
    )
    findings = [f for f in file_findings if policy.shows(f)]
    findings += [f for r in results for f in r.findings]
    # a unit's findings may sit in its drop-ins: by file (the unit's own first), then line
    order = files or {}
    findings.sort(key=lambda f: (order.get(f.path, 0), f.line, f.column))
    return Report(results, tuple(findings), policy)
