"""The kernel's ``kstrtoull`` (lib/kstrtox.c), reproduced to the byte.

Base 0 detects the base like C: ``0x``/``0X`` followed by a hex digit is hex, another
leading ``0`` is octal, anything else decimal. One leading ``+`` and one trailing newline
are allowed. Overflow past 2**64-1 is ``ERANGE`` and wins over trailing garbage (the
kernel checks it first); everything else is ``EINVAL``.

>>> kstrtoull("0x1f"), kstrtoull("010"), kstrtoull("+7\\n")
(31, 8, 7)
>>> kstrtoull("08")
Traceback (most recent call last):
...
delegopts._kstrtox.NumberError: '8' is not an octal digit (a leading 0 makes the number octal)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = ["NumberError", "kstrtouint", "kstrtoull"]

U64_MAX = (1 << 64) - 1
_DIGITS = {c: i for i, c in enumerate("0123456789abcdef")}
_BASE_NAMES = {8: "an octal", 10: "a decimal", 16: "a hex"}


class NumberError(ValueError):
    """Why a piece is not a number: ``errno_name``, ``position`` (index of the bad character)."""

    def __init__(self, reason: str, *, position: int, end: int, errno_name: str = "EINVAL") -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position
        self.end = end
        self.errno_name = errno_name


def _digit(char: str) -> int:
    # ASCII only: the kernel's _tolower and isdigit know nothing of Unicode digits.
    return _DIGITS.get(char.lower() if char.isascii() else char, 99)


#: More significant digits than any u64 has in base 8 or more (2^64 < 8^22).
_U64_DIGITS = 22


@functools.cache
def _digit_run(base: int) -> Callable[[str, int], re.Match[str]]:
    """The match of the longest run of digits of ``base`` (what :func:`_digit` accepts);
    it always matches (``*``), if only the empty run."""
    chars = "0123456789abcdef"[:base]
    return re.compile(f"[{chars}{chars[10:].upper()}]*").match  # type: ignore[return-value]


def detect_base(text: str, base: int = 0) -> tuple[int, int]:
    """``(base, index of the first digit)`` as ``_parse_integer_fixup_radix`` decides."""
    start = 1 if text.startswith("+") else 0
    head = text[start : start + 3]
    is_hex_prefix = head[:1] == "0" and head[1:2] in ("x", "X")
    if base == 0:
        if head[:1] == "0":
            base = 16 if is_hex_prefix and _digit(head[2:3] or "z") < 16 else 8
        else:
            base = 10
    if base == 16 and is_hex_prefix:
        start += 2
    return base, start


def kstrtoull(text: str, base: int = 0) -> int:
    """Parse ``text`` as the kernel does, or raise :class:`NumberError` saying why not."""
    detected = base == 0
    base, start = detect_base(text, base)
    index = _digit_run(base)(text, start).end()
    # int() reads the run exactly (ASCII digits of the base only); a run longer than any
    # u64 is above 2^64-1 without converting it (int() refuses very long decimal text)
    digits = text[start:index].lstrip("0")
    value = int(digits, base) if 0 < len(digits) <= _U64_DIGITS else 0
    if len(digits) > _U64_DIGITS or value > U64_MAX:
        return _raise(f"{text[:index]!r} is above 2^64-1", 0, index, "ERANGE")
    octal_hint = " (a leading 0 makes the number octal)" if detected else ""
    if index == start:
        if not text:
            return _raise("empty", 0, 0)
        if base == 8 and start < len(text) and text[start] in "89":
            return _raise(f"{text[start]!r} is not an octal digit", start, start + 1)
        what = "a number" if start == 0 else f"{_BASE_NAMES[base]} number"
        return _raise(f"{text!r} is not {what}", 0, len(text))
    if text[index:] in ("", "\n"):
        return value
    bad = text[index]
    if base == 8 and bad in "89":
        return _raise(f"{bad!r} is not an octal digit{octal_hint}", index, index + 1)
    return _raise(f"{bad!r} cannot follow {_BASE_NAMES[base]} number", index, len(text))


def kstrtouint(text: str, base: int = 0) -> int:
    """``kstrtouint``: like :func:`kstrtoull`, then ``ERANGE`` above 2**32-1."""
    value = kstrtoull(text, base)
    if value > 0xFFFFFFFF:
        _raise(f"{text!r} is above 2^32-1", 0, len(text), "ERANGE")
    return value


def _raise(reason: str, position: int, end: int, errno_name: str = "EINVAL") -> int:
    raise NumberError(reason, position=position, end=max(end, position + 1), errno_name=errno_name)
