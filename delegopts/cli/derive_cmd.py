"""``delegopts derive``: the delegate options a BPF application needs, from its objects."""

from __future__ import annotations

import argparse
from typing import Any

from delegopts.cli._common import (
    IO,
    ExitStatus,
    add_systemd,
    add_target,
    catalog_for,
    dump_json,
    kernel_btf_for,
    systemd_release,
    take_stdin,
)

_EXAMPLES = """\
examples:
  $ delegopts derive /usr/sbin/opensnoop-libbpf        # a libbpf skeleton inside a program
  $ delegopts derive app.bpf.o other.bpf.o              # several objects: one answer
  $ delegopts derive --to systemd /usr/lib/myapp/       # every object under a directory
  $ delegopts derive --json app.bpf.o
  $ cat app.bpf.o | delegopts derive -                # '-': standard input

Reads BPF ELF objects (either byte order), and objects embedded in executables and
shared libraries, and prints the delegate options a BPF token needs for libbpf to load
them on the target kernel, with who needs each bit. libbpf creates the token itself
from LIBBPF_BPF_TOKEN_PATH (default /sys/fs/bpf) and runs its feature probes through
it: bits only those probes use are labelled, and optional ones are left out unless
--with-optional-probes is given.

--to: kernel (the option string and why each bit), systemd (PrivateBPF=/BPFDelegate*=),
incus (security.bpffs.delegate_* keys), lxd (security.delegate_bpf.* keys), json (every
bit with every need).

exit status: 0 answered, 1 answered in part (a type the kernel lacks, a file that is no
BPF object...: said on stderr), 2 usage error, 3 no BPF object found, 4 internal error
"""


def register(commands: Any) -> None:
    from delegopts.derive.sections import DEFAULT_RELEASE, release_ranges, releases

    parser = commands.add_parser(
        "derive",
        help="the delegate options a BPF application needs, read from its compiled objects",
        description="Read compiled BPF objects and print the delegate options a BPF token "
        "needs for libbpf to load them, bit by bit with who needs it.",
        epilog=_EXAMPLES,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="objects, programs, directories")
    parser.add_argument(
        "--to", choices=("kernel", "systemd", "incus", "lxd", "json"), default="kernel",
        help="the output form",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="the same as --to json")
    parser.add_argument(
        "--libbpf", choices=releases(), default=None, metavar="RELEASE",
        help=f"the libbpf release that loads the objects: its section table and what it does "
        f"with a token ({release_ranges()}; default {DEFAULT_RELEASE})",
    )  # fmt: skip
    parser.add_argument(
        "--with-optional-probes", action="store_true",
        help="also delegate what libbpf's optional feature probes use",
    )  # fmt: skip
    add_systemd(parser)
    add_target(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.derive.needs import derive, load_objects, needs_kernel_btf
    from delegopts.derive.report import canonical, text_lines, to_json
    from delegopts.derive.sections import DEFAULT_RELEASE, SectionTable
    from delegopts.display import printable

    catalog = catalog_for(args, io)
    if "-" in args.paths:
        take_stdin(io, "BPF objects (-)")
    objects, problems = load_objects(args.paths)
    for problem in problems:
        io.err.write(f"delegopts derive: {printable(problem)}\n")
    if not objects:
        io.err.write("delegopts derive: no BPF object found\n")
        return ExitStatus.UNREADABLE
    kernel_btf = kernel_btf_for(args) if needs_kernel_btf(objects) else None
    release = args.libbpf or DEFAULT_RELEASE
    if args.libbpf is None:
        _note_installed(release, io)
    answer = derive(objects, catalog, SectionTable.load(release), kernel_btf)
    to = "json" if args.json else args.to
    optional = args.with_optional_probes
    if to == "json":
        dump_json(to_json(answer, catalog), io, "derive")
    elif to == "lxd":
        from delegopts.formats.lxd import to_lxd
        from delegopts.semantics import parse

        lines, _ = to_lxd(parse(canonical(answer, catalog, optional_probes=optional), catalog))
        io.out.write("".join(f"{line}\n" for line in lines))
    elif to == "systemd":
        from delegopts.semantics import parse
        from delegopts.systemd.write import to_settings

        options = parse(canonical(answer, catalog, optional_probes=optional), catalog)
        release = systemd_release(args)[0]
        written = to_settings(options, release)
        io.out.write("".join(f"{line}\n" for line in written.lines))
        for item in written.lost:
            io.err.write(f"warning: {release} cannot express {item}\n")
        for item in written.notes:
            io.err.write(f"note: {item}\n")
    elif to == "incus":
        from delegopts.formats.incus import to_incus
        from delegopts.semantics import parse

        options = parse(canonical(answer, catalog, optional_probes=optional), catalog)
        lines, lost = to_incus(options)
        io.out.write("".join(f"{line}\n" for line in lines))
        for item in lost:
            io.err.write(f"warning: {to} cannot express {item}\n")
    else:
        lines = text_lines(answer, catalog, optional_probes=optional)
        io.out.write("".join(f"{line}\n" for line in lines))
    for error in answer.errors:
        io.err.write(f"error: {printable(error)}\n")
    return ExitStatus.INVALID if answer.errors or problems else ExitStatus.OK


def _note_installed(release: str, io: IO) -> None:
    """Say so where this machine's shared libbpf is not the release the answer is for."""
    from delegopts.derive.installed import installed_libbpf, release_key
    from delegopts.derive.sections import releases

    installed = installed_libbpf()
    if installed is None or installed == release:
        return
    if release_key(installed) < (1, 4):
        io.err.write(
            f"note: the answer is for libbpf {release}; this machine's libbpf {installed} "
            "predates BPF tokens (1.4.0): a program that links it loads nothing through "
            "a token\n"
        )
    elif installed in releases():
        io.err.write(
            f"note: the answer is for libbpf {release}; this machine's libbpf is "
            f"{installed} (--libbpf {installed} for a program that links it)\n"
        )
    else:
        io.err.write(
            f"note: the answer is for libbpf {release}; this machine's libbpf {installed} "
            "has no table here\n"
        )
