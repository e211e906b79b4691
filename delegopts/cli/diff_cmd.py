"""``delegopts diff``: the rights added and removed between two option strings or two kernels."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from delegopts.cli._common import IO, ExitStatus, dump_json
from delegopts.display import printable

if TYPE_CHECKING:
    from delegopts.catalog import Catalog
    from delegopts.options import Mask, Options

_EXAMPLES = """\
examples:
  $ delegopts diff 'delegate_cmds=prog_load' 'delegate_cmds=prog_load:btf_load'
  $ delegopts diff --kernel-a 6.12.107 --kernel-b 7.2.13 'delegate_cmds=any'
  $ delegopts diff --btf-a /boot/vmlinuz-6.12.0 --btf-b /sys/kernel/btf/vmlinux 'delegate_cmds=any'
  $ delegopts diff --json old-options new-options

With one option string, it is read on both kernels (--btf-a and --btf-b): names one of them
does not know, bits only one of them keeps, and bits whose name changed
(--btf-a/--btf-b or --kernel-a/--kernel-b).

exit status (like diff(1)): 0 same rights, 1 rights differ or an input is refused,
2 usage error, 3 unreadable BTF
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "diff",
        help="rights added and removed between two option strings or two kernels",
        description="Compare what two option strings delegate, or what one string delegates "
        "on two kernels, bit by bit.",
        epilog=_EXAMPLES,
    )
    parser.add_argument("a", metavar="A", help="the old option string")
    parser.add_argument("b", metavar="B", nargs="?", help="the new one (default: A again)")
    for side in ("a", "b"):
        label = side.upper()
        which = parser.add_argument_group(f"side {label}'s kernel (default: the running kernel)")
        choice = which.add_mutually_exclusive_group()
        choice.add_argument(
            f"--btf-{side}",
            metavar="SOURCE",
            help=f"side {label}'s kernel BTF (raw BTF, vmlinux, kernel image)",
        )
        choice.add_argument(
            f"--kernel-{side}",
            metavar="VERSION",
            help=f"side {label}: a kernel snapshot shipped with delegopts",
        )
        which.add_argument(
            f"--no-btf-{side}",
            action="store_true",
            help=f"side {label}'s kernel without its BTF names",
        )
    parser.add_argument("--json", action="store_true", help="JSON with a schema version")
    parser.set_defaults(run=run)


def _catalog(args: argparse.Namespace, side: str, io: IO) -> Catalog:
    """One side's kernel, chosen as every command chooses its target."""
    from delegopts.cli._common import catalog_for

    choice = argparse.Namespace(
        btf=getattr(args, f"btf_{side}"),
        kernel=getattr(args, f"kernel_{side}"),
        kernel_release=None,
        no_btf=getattr(args, f"no_btf_{side}"),
    )
    return catalog_for(choice, io)


def _names(mask: Mask) -> dict[int, str]:
    shown: dict[int, str] = {}
    for name in mask.enum.names:
        shown.setdefault(name.bit, name.name)
    return {bit: shown.get(bit, f"bit {bit}") for bit in mask.bit_numbers()}


def compare(a: Options, b: Options) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per delegate option: bits added, removed, and kept with another name.

    >>> from delegopts import parse
    >>> catalog = tiny_catalog
    >>> change = compare(parse("delegate_cmds=map_create", catalog),
    ...                  parse("delegate_cmds=prog_load", catalog))["delegate_cmds"]
    >>> change["added"], change["removed"]
    ([{'bit': 5, 'name': 'prog_load'}], [{'bit': 0, 'name': 'map_create'}])
    """
    result: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for old, new in zip(a, b, strict=True):
        before, after = _names(old), _names(new)
        result[old.kind.key] = {
            "added": [{"bit": bit, "name": after[bit]} for bit in after if bit not in before],
            "removed": [{"bit": bit, "name": before[bit]} for bit in before if bit not in after],
            "renamed": [
                {"bit": bit, "a": before[bit], "b": after[bit]}
                for bit in before
                if bit in after and before[bit] != after[bit]
            ],
        }
    return result


def _scalars(a: Options, b: Options) -> list[str]:
    from delegopts.render import mode_shown

    changes = []
    for key, old, new in (
        ("uid", a.uid, b.uid),
        ("gid", a.gid, b.gid),
        ("mode", f"{mode_shown(a.mode):o}", f"{mode_shown(b.mode):o}"),
    ):
        if old != new:
            changes.append(f"{key}: {old} -> {new}")
    return changes


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.formats import Found
    from delegopts.formats.findings import check_found

    catalog_a = _catalog(args, "a", io)
    same = (args.btf_a, args.kernel_a, args.no_btf_a) == (
        args.btf_b,
        args.kernel_b,
        args.no_btf_b,
    )
    catalog_b = catalog_a if same else _catalog(args, "b", io)
    text_b = args.a if args.b is None else args.b
    sides: list[Options] = []
    refused = False
    for side, text, catalog in (("A", args.a, catalog_a), ("B", text_b, catalog_b)):
        checked = check_found(Found.plain(text, path="", line=1), catalog, lint=False)
        if checked.options is None:  # a name this kernel does not know, a bad number...
            refused = True
            (refusal,) = checked.findings
            io.err.write(f"{side} (kernel {printable(catalog.label)}): {refusal.render()}\n")
        else:
            sides.append(checked.options)
    if refused:
        return ExitStatus.INVALID
    a, b = sides
    if not args.json:
        for side, options in (("A", a), ("B", b)):
            for diagnostic in options.diagnostics:
                label = printable(options.catalog.label)
                io.err.write(f"{side} (kernel {label}): {diagnostic.headline()}\n")
    changes = compare(a, b)
    scalars = _scalars(a, b)
    differ = bool(scalars) or any(any(v.values()) for v in changes.values())
    if args.json:
        dump_json(
            {
                "a": {
                    "input": args.a,
                    "kernel": catalog_a.label,
                    "shown": str(a),
                    "diagnostics": [d.to_json() for d in a.diagnostics],
                },
                "b": {
                    "input": text_b,
                    "kernel": catalog_b.label,
                    "shown": str(b),
                    "diagnostics": [d.to_json() for d in b.diagnostics],
                },
                "same": not differ,
                "delegate": changes,
                "scalars": scalars,
            },
            io,
            "diff",
        )
        return ExitStatus.INVALID if differ else ExitStatus.OK
    io.out.write(f"A: {str(a) or '(nothing)'}   (kernel {printable(catalog_a.label)})\n")
    io.out.write(f"B: {str(b) or '(nothing)'}   (kernel {printable(catalog_b.label)})\n")
    for key, change in changes.items():
        if not any(change.values()):
            continue
        io.out.write(f"\n{key}\n")
        for item in change["added"]:
            io.out.write(f"  + {item['name']:<32} bit {item['bit']}\n")
        for item in change["removed"]:
            io.out.write(f"  - {item['name']:<32} bit {item['bit']}\n")
        for item in change["renamed"]:
            io.out.write(f"  ~ bit {item['bit']}: {item['a']} on A, {item['b']} on B\n")
    for line in scalars:
        io.out.write(f"\n{line}\n")
    if not differ:
        io.out.write("\nsame rights\n")
    return ExitStatus.INVALID if differ else ExitStatus.OK
