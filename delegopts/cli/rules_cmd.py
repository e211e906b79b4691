"""``delegopts rules``: every lint rule with its code, severity, summary and an example."""

from __future__ import annotations

import argparse
from typing import Any

from delegopts.cli._common import IO, ExitStatus, UsageError, dump_json

_EXAMPLES = """\
examples:
  $ delegopts rules                 # one rule a paragraph
  $ delegopts rules D401 unknown-key
  $ delegopts rules --json          # {"schema": 1, "rules": [...]}
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "rules",
        help="list the lint rules with an example input for each",
        description="List every diagnostic delegopts can report: its code, severity, what it "
        "means and an input that triggers it (on the kernel named). Codes or names given as "
        "arguments select rules; 'check --ignore CODE' and '# delegopts: ignore=CODE' take the "
        "same codes.",
        epilog=_EXAMPLES,
    )
    parser.add_argument("codes", nargs="*", metavar="CODE", help="codes (D401) or names")
    parser.add_argument("--json", action="store_true", help="stable, sorted JSON")
    parser.set_defaults(run=run)


_FORMS = {
    "options": "",
    "fstab": " (an fstab line)",
    "mountinfo": " (a mountinfo line)",
    "unit": " (a unit file)",
    "incus": " (an Incus key)",
    "lxd": " (an LXD key)",
    "command": " (a command line)",
}


def run(args: argparse.Namespace, io: IO) -> int:
    from delegopts.lint import RULES
    from delegopts.policy import UnknownCodeError, parse_codes

    try:
        wanted = parse_codes(args.codes)
    except UnknownCodeError as error:
        raise UsageError(f"delegopts rules: {error}") from error
    rules = [rule for rule in RULES if not wanted or rule.code in wanted]
    if args.json:
        dump_json({"rules": [rule.to_json() for rule in rules]}, io, "rules")
        return ExitStatus.OK
    for rule in rules:
        code = rule.code
        io.out.write(
            f"{code.value} {code.slug} ({code.severity.value}, {rule.category})\n"
            f"    {code.summary}\n"
            f"    example{_FORMS[rule.form]} on {rule.kernel}: {rule.example!r}\n"
        )
        if rule.needs:
            io.out.write(f"    checked --for objects that need {rule.needs!r}\n")
    return ExitStatus.OK
