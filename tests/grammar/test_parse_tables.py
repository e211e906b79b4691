"""The shipped parse tables are what Lark makes of the grammars, and run as Lark runs them.

delegopts parses with delegopts.grammar.lalr over tables compiled ahead of time from
grammars/*.lark (so no process has to import Lark); these tests keep the grammars the
only source of truth: a stale table fails here, and the runtime must give Lark's own
result, token for token, or the same error at the same position.
"""

from __future__ import annotations

import importlib
import random
from pathlib import Path
from typing import Any

import pytest
from corpus import option_strings
from kernels import catalog

from delegopts.grammar.lalr import ParseError, Token, load
from delegopts.grammar.lines import _ToNode
from delegopts.grammar.tablegen import compile_tables, tables_module

GRAMMARS = Path(__file__).resolve().parents[2] / "grammars"
NAMES = sorted(path.stem for path in GRAMMARS.glob("*.lark"))


@pytest.mark.parametrize("name", NAMES)
def test_tables_are_fresh(name: str) -> None:
    grammar = (GRAMMARS / f"{name}.lark").read_text("utf-8")
    shipped = (GRAMMARS / f"{name}_tables.py").read_text("utf-8")
    made = compile_tables(grammar)
    assert shipped == tables_module(f"{name}.lark", made), (
        f"grammars/{name}_tables.py is stale: run tools/gen_parse_tables.py"
    )
    # and what the runtime imports is those tables
    assert made == importlib.import_module(f"delegopts.grammars.{name}_tables").TABLES


def _shape(value: Any) -> Any:
    if isinstance(value, str) and hasattr(value, "type"):
        return (value.type, str(value), value.start_pos, value.end_pos)
    if hasattr(value, "children"):
        return (getattr(value, "name", None), [_shape(child) for child in value.children])
    if isinstance(value, list):
        return [_shape(child) for child in value]
    return value


def _lark_outcome(parser: Any, text: str) -> tuple[str, Any]:
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput

    try:
        return "ok", _shape(parser.parse(text))
    except UnexpectedCharacters as error:
        return "characters", error.pos_in_stream
    except UnexpectedInput as error:
        return "token", error.pos_in_stream


def _our_outcome(parser: Any, text: str) -> tuple[str, Any]:
    try:
        return "ok", _shape(parser.parse(text))
    except ParseError as error:
        return error.kind, error.pos


def _samples(name: str) -> list[str]:
    rng = random.Random(name)
    alphabet = " \t#:=,[]\"'\\-_aZ09;.\n/"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(25))) for _ in range(1500)]
    texts += (Path(__file__).parents[1] / "data" / "fstab").read_text().splitlines()
    texts += (Path(__file__).parents[1] / "data" / "mountinfo-6.18.44").read_text().splitlines()
    if name == "options":
        texts += list(option_strings(catalog("6.18.44"), 1500, seed=3))
    return texts


@pytest.mark.parametrize("name", NAMES)
def test_runtime_gives_what_lark_gives(name: str) -> None:
    from lark import Lark

    grammar = (GRAMMARS / f"{name}.lark").read_text("utf-8")
    theirs = Lark(grammar, parser="lalr", transformer=_ToNode(), maybe_placeholders=False)
    ours = load(name, _ToNode())
    assert ours is not None
    differences = [
        (text, _lark_outcome(theirs, text), _our_outcome(ours, text))
        for text in _samples(name)
        if _lark_outcome(theirs, text) != _our_outcome(ours, text)
    ]
    assert differences == []


def test_stale_or_missing_tables_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import delegopts.grammar.lalr as runtime

    assert load("fstab") is not None
    monkeypatch.setattr(runtime, "TABLE_FORMAT", 99)
    assert load("fstab") is None
    monkeypatch.undo()
    assert load("no-such-grammar") is None
    # tables made from another text of the grammar
    fstab = importlib.import_module("delegopts.grammars.fstab_tables")
    monkeypatch.setattr(fstab, "TABLES", {**fstab.TABLES, "grammar": "start: /x/\n"})
    assert load("fstab") is None
    monkeypatch.setattr(fstab, "TABLES", None)
    assert load("fstab") is None


def test_tokens_carry_type_and_positions() -> None:
    token = Token("KEY", "uid=", 6)
    assert (token, token.type, token.start_pos, token.end_pos, token.value) == (
        "uid=",
        "KEY",
        6,
        10,
        "uid=",
    )


@pytest.mark.parametrize("name", NAMES)
def test_lark_fallback_gives_what_the_tables_give(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import delegopts.grammar.lalr as runtime

    tables = runtime.build(name, _ToNode())
    monkeypatch.setattr(runtime, "load", lambda *_: None)
    fallback = runtime.build(name, _ToNode())
    assert isinstance(fallback, runtime._LarkParser)
    assert [_our_outcome(fallback, text) for text in _samples(name)[:400]] == [
        _our_outcome(tables, text) for text in _samples(name)[:400]
    ]


def test_lark_fallback_without_callbacks_builds_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    import delegopts.grammar.lalr as runtime

    line = "bpffs /sys/fs/bpf bpf defaults"
    tables = runtime.build("fstab")
    monkeypatch.setattr(runtime, "load", lambda *_: None)
    assert runtime.build("fstab").parse(line) == tables.parse(line)


# No grammar of the project has a keyword that a regex terminal also matches; this one
# does (Lark then retypes the regex's token), case-insensitively too, so that part of the
# runtime is held to Lark's behaviour as well.
KEYWORDS = r"""
start: item ("," item)*
item: "any"i -> any_
    | "none" -> none
    | WORD
WORD: /[a-z]+/i
"""


@pytest.mark.parametrize(
    "text", ["any", "ANY,Any", "none", "NONE", "anyway,nonesuch", "x,any,none", "any,", "1", ""]
)
def test_keywords_inside_a_regex_terminal_are_retyped_as_lark_does(text: str) -> None:
    from lark import Lark

    from delegopts.grammar.lalr import Parser

    theirs = Lark(KEYWORDS, parser="lalr", transformer=_ToNode(), maybe_placeholders=False)
    tables = compile_tables(KEYWORDS)
    assert tables["unless"], "the grammar no longer exercises Lark's keyword retyping"
    ours = Parser(tables, _ToNode())
    assert _our_outcome(ours, text) == _lark_outcome(theirs, text)
