"""Compile a grammar in ``grammars/`` into the tables :mod:`delegopts.grammar.lalr` runs.

Lark does all the work: it reads the ``.lark`` file, builds the LALR parse table and the
contextual lexer, and this module writes down what they decided: for every parser state
the actions and the terminals its lexer tries (in Lark's order), for every rule how its
children are filtered and which callback receives them. The tables are committed as
``grammars/<name>_tables.py``; ``tools/gen_parse_tables.py`` writes them and a test
checks that they are what this module makes from the grammars, so the ``.lark`` files
stay the only source of truth.

Only the features the project's grammars use are exported; anything else (``%ignore``,
``[...]`` placeholders, templates, ambiguity) is refused with an error here, at build time.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TABLE_FORMAT", "compile_tables", "tables_module"]

#: Bumped when the layout of the tables changes; the runtime refuses other versions.
TABLE_FORMAT = 1


def compile_tables(grammar: str) -> dict[str, Any]:
    """The tables for one grammar's text (start symbol ``start``)."""
    from lark import Lark
    from lark.grammar import Terminal
    from lark.parsers.lalr_analysis import Shift

    lark = Lark(grammar, parser="lalr", lexer="contextual", maybe_placeholders=False)
    if lark.ignore_tokens:
        raise ValueError("%ignore is not supported by delegopts.grammar.lalr")
    frontend = lark.parser
    table = frontend.parser._parse_table
    # Lark numbers states and orders rules differently from one process to the next (set
    # iteration under hash randomization). Renumber both canonically, so that the same
    # grammar always gives the same file: rules by their text, states breadth-first from
    # the start state, following symbols in sorted order.
    rules = sorted(lark.rules, key=lambda rule: (rule.origin.name, str(rule), rule.alias or ""))
    rule_index = {rule: index for index, rule in enumerate(rules)}
    start = table.start_states["start"]
    number = {start: 0}
    queue = [start]
    for state in queue:
        for _, (action, arg) in sorted(table.states[state].items()):
            if action is Shift and arg not in number:
                number[arg] = len(number)
                queue.append(arg)
    if len(number) != len(table.states):
        raise ValueError("parse table has states the start state does not reach")

    states: dict[str, dict[str, list[int]]] = {}
    for state, actions in sorted(table.states.items(), key=lambda item: number[item[0]]):
        states[str(number[state])] = {
            symbol: [0, number[arg]] if action is Shift else [1, rule_index[arg]]
            for symbol, (action, arg) in sorted(actions.items())
        }

    exported_rules = []
    for rule in rules:
        if rule.options.template_source is not None or rule.options.empty_indices:
            raise ValueError(f"rule {rule} uses a feature delegopts.grammar.lalr does not run")
        keep = [
            [index, int(not symbol.is_term and symbol.name.startswith("_"))]
            for index, symbol in enumerate(rule.expansion)
            if rule.options.keep_all_tokens
            or not (isinstance(symbol, Terminal) and symbol.filter_out)
        ]
        filtered = len(keep) < len(rule.expansion) or any(expand for _, expand in keep)
        exported_rules.append(
            {
                "origin": rule.origin.name,
                "callback": rule.alias or rule.origin.name,
                "size": len(rule.expansion),
                "keep": keep if filtered else None,
                "expand1": bool(rule.options.expand1 and not rule.alias),
            }
        )

    lexer = frontend.lexer
    lexers: dict[str, list[str]] = {}
    unless: dict[str, dict[str, list[str]]] = {}
    for state, basic in sorted(lexer.lexers.items(), key=lambda item: number[item[0]]):
        scanner = basic.scanner  # built on first use: this is Lark's own ordering
        names = [terminal.name for terminal in scanner.terminals]
        lexers[str(number[state])] = names
        for retyped, callback in basic.callback.items():
            inner = getattr(callback, "scanner", None)
            if inner is None:
                raise ValueError(f"lexer callback on {retyped} is not supported")
            unless.setdefault(str(number[state]), {})[retyped] = [t.name for t in inner.terminals]
    root = lexer.root_lexer.scanner
    tables: dict[str, Any] = _plain(
        {
            "format": TABLE_FORMAT,
            "grammar": grammar,
            "terminals": {t.name: t.pattern.to_regexp() for t in lark.terminals},
            "root": [terminal.name for terminal in root.terminals],
            "lexers": lexers,
            "unless": unless,
            "rules": exported_rules,
            "states": states,
            "start": number[start],
            "end": number[table.end_states["start"]],
        }
    )
    return tables


def _plain(value: Any) -> Any:
    """``value`` with Lark's ``Token`` names (str subclasses) made plain ``str``."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def tables_module(source: str, tables: dict[str, Any]) -> str:
    """The Python module that holds ``tables`` (compiled from ``grammars/<source>``).

    A module, not JSON: importing it reads its bytecode, where JSON would need the
    ``json`` module imported (1.5 ms, and its regular expressions compiled) by every
    command before it parses anything.
    """
    import pprint

    text = pprint.pformat(tables, width=96, sort_dicts=True)
    return (
        f'"""The LALR tables of grammars/{source}, for delegopts.grammar.lalr.\n\n'
        "Written by tools/gen_parse_tables.py from the grammar (which they hold, to tell when\n"
        'they are stale): do not edit.\n"""\n\n'
        f"TABLES = {text}\n"
    )
