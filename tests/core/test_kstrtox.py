"""kstrtoull/kstrtouint as lib/kstrtox.c: base detection, limits, what follows the digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delegopts._kstrtox import NumberError, kstrtouint, kstrtoull

# (text, base, value or (errno, position of the bad character))
CASES = [
    ("0", 0, 0), ("7", 0, 7), ("+7", 0, 7), ("7\n", 0, 7), ("010", 0, 8), ("0x10", 0, 16),
    ("0X1f", 0, 31), ("0xABCDEF", 0, 0xABCDEF), ("00", 0, 0), ("0x0", 0, 0),
    ("18446744073709551615", 0, 2**64 - 1), ("0xffffffffffffffff", 0, 2**64 - 1),
    ("01777777777777777777777", 0, 2**64 - 1), ("755", 8, 0o755), ("0755", 8, 0o755),
    ("", 0, ("EINVAL", 0)), ("+", 0, ("EINVAL", 0)), ("-1", 0, ("EINVAL", 0)),
    (" 1", 0, ("EINVAL", 0)), ("1 ", 0, ("EINVAL", 1)), ("08", 0, ("EINVAL", 1)),
    ("0x", 0, ("EINVAL", 1)), ("0xg", 0, ("EINVAL", 1)), ("1e3", 0, ("EINVAL", 1)),
    ("0b1", 0, ("EINVAL", 1)), ("1\n\n", 0, ("EINVAL", 1)), ("\n", 0, ("EINVAL", 0)),
    ("\u0661", 0, ("EINVAL", 0)),  # ARABIC-INDIC DIGIT ONE is no digit to the kernel
    ("18446744073709551616", 0, ("ERANGE", 0)), ("0x10000000000000000", 0, ("ERANGE", 0)),
    ("99999999999999999999999x", 0, ("ERANGE", 0)), ("8", 8, ("EINVAL", 0)),
    ("0x1ff", 8, ("EINVAL", 1)),
    ("+", 8, ("EINVAL", 0)), ("+", 16, ("EINVAL", 0)),  # a sign alone (was IndexError)
]  # fmt: skip


@pytest.mark.parametrize(("text", "base", "expected"), CASES)
def test_kstrtoull(text: str, base: int, expected: int | tuple[str, int]) -> None:
    if isinstance(expected, int):
        assert kstrtoull(text, base) == expected
        return
    with pytest.raises(NumberError) as caught:
        kstrtoull(text, base)
    assert (caught.value.errno_name, caught.value.position) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4294967295", 4294967295), ("0xffffffff", 4294967295), ("4294967296", "ERANGE")],
)
def test_kstrtouint(text: str, expected: int | str) -> None:
    if isinstance(expected, int):
        assert kstrtouint(text) == expected
        return
    with pytest.raises(NumberError) as caught:
        kstrtouint(text)
    assert caught.value.errno_name == expected


def _by_digit(text: str, base: int) -> int | tuple[str, int]:
    """The digit-at-a-time loop of lib/kstrtox.c's _parse_integer, as a reference."""
    from delegopts._kstrtox import _digit, detect_base

    base, index = detect_base(text, base)
    start, value = index, 0
    while index < len(text) and _digit(text[index]) < base:
        value = value * base + _digit(text[index])
        index += 1
    if value > 2**64 - 1:
        return ("ERANGE", 0)
    if index == start or text[index:] not in ("", "\n"):
        return ("EINVAL", -1)
    return value


_NUMBERS = st.text(alphabet="0123456789abcdefABCDEFxX+\n 8g\u0661", max_size=30) | st.builds(
    lambda zeros, tail: "0" * zeros + tail,
    st.integers(0, 6000),
    st.sampled_from(["", "1", "7", "ffffffffffffffff", "18446744073709551616", "9" * 5000]),
)


@given(_NUMBERS, st.sampled_from([0, 8, 10, 16]))
def test_the_same_as_a_digit_at_a_time(text: str, base: int) -> None:
    expected = _by_digit(text, base)
    try:
        value: int | tuple[str, int] = kstrtoull(text, base)
    except NumberError as error:
        value = (error.errno_name, 0 if error.errno_name == "ERANGE" else -1)
    assert value == expected
