"""``--ignore CODE``, ignore comments and ``--strict``: the library side."""

from __future__ import annotations

import pytest

from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.policy import Policy, UnknownCodeError, filter_suppressed, parse_codes

_SPAN = Span(0, 1)
ERROR = Diagnostic(Code.ANY_CASE, "'ANY' is not 'any'", _SPAN)
WARNING = Diagnostic(Code.ZERO_MASK, "'delegate_cmds=0' delegates nothing", _SPAN)
INFO = Diagnostic(Code.ALIAS, "'prog_run' is an alias", _SPAN)
RISK = Diagnostic(Code.READS_KERNEL, "'kprobe' lets the container load kprobe programs", _SPAN)


@pytest.mark.parametrize(
    ("texts", "codes"),
    [
        (["D101"], {Code.UNKNOWN_KEY}),
        (["d101"], {Code.UNKNOWN_KEY}),
        (["unknown-key"], {Code.UNKNOWN_KEY}),
        (["D101, zero-mask", "D502"], {Code.UNKNOWN_KEY, Code.ZERO_MASK, Code.READS_KERNEL}),
        (["", " , "], set()),
        ([], set()),
    ],
)
def test_parse_codes(texts: list[str], codes: set[Code]) -> None:
    assert parse_codes(texts) == codes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("D1O1", "unknown code 'D1O1'; did you mean D101?"),
        ("zero_mask", "unknown code 'zero_mask'; did you mean D202?"),
        ("everything", "unknown code 'everything'; 'delegopts rules' lists them"),
    ],
)
def test_unknown_code(text: str, message: str) -> None:
    with pytest.raises(UnknownCodeError) as raised:
        parse_codes([text])
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_filter_suppressed_takes_codes_and_names() -> None:
    found = (ERROR, WARNING, INFO, RISK)
    assert filter_suppressed(found, [Code.ZERO_MASK, "alias"]) == (ERROR, RISK)
    assert filter_suppressed(found, iter(["D305"])) == (WARNING, INFO, RISK)
    assert filter_suppressed(found, []) == found


@pytest.mark.parametrize(
    ("ignore", "strict", "found", "fails"),
    [
        ([], False, [INFO, WARNING, RISK], False),
        ([], True, [INFO, WARNING], True),
        ([], True, [INFO], False),
        ([], True, [RISK], True),  # a risk warning fails --strict too
        (["D502"], True, [RISK, INFO], False),
        ([], False, [ERROR], True),
        (["D305"], False, [ERROR], False),  # an error can be ignored on purpose
        (["zero-mask"], True, [WARNING, INFO], False),
    ],
)
def test_policy(ignore: list[str], strict: bool, found: list[Diagnostic], fails: bool) -> None:
    policy = Policy.from_args(ignore, strict=strict)
    assert policy.fails(found) is fails
    assert all(d.code not in policy.ignore for d in policy.apply(found))
