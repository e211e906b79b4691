"""Write grammars/<name>_tables.py for every grammar: run after editing a .lark file.

    .venv/bin/python tools/gen_parse_tables.py

tests/grammar/test_parse_tables.py fails while a table is not what this makes from its
grammar.
"""

from __future__ import annotations

from pathlib import Path

from delegopts.grammar.tablegen import compile_tables, tables_module

GRAMMARS = Path(__file__).resolve().parents[1] / "grammars"


def main() -> None:
    for grammar in sorted(GRAMMARS.glob("*.lark")):
        tables = compile_tables(grammar.read_text("utf-8"))
        target = grammar.with_name(f"{grammar.stem}_tables.py")
        target.write_text(tables_module(grammar.name, tables), "utf-8")
        print(f"{target.relative_to(GRAMMARS.parent)}: {len(tables['states'])} states")


if __name__ == "__main__":
    main()
