r"""Text from the input, made safe to print: control characters shown, never interpreted.

Mount points, paths, kernel banners and option strings come from data that others control
(since Linux 6.9 an unprivileged user can mount bpffs in their own namespaces and name the
mount point). Printed as they are, a newline in a mount point forges an output line and an
escape sequence drives the terminal. :func:`printable` writes every character that is not
printable as mountinfo writes it: ``\ooo`` in octal for the first 256 code points and for
the bytes that were not UTF-8 (kept as surrogates), ``\uXXXX`` for the rest (the bidi
overrides among them). JSON output keeps the exact text: it is escaped by JSON itself.

>>> printable("/sys/fs/bpf/x\nbpffs mount on /sys/fs/bpf: delegate_cmds=any")
'/sys/fs/bpf/x\\012bpffs mount on /sys/fs/bpf: delegate_cmds=any'
>>> printable("\x1b]8;;file:///etc/shadow\x07"), printable("a\u202eb"), printable("\udcff")
('\\033]8;;file:///etc/shadow\\007', 'a\\u202eb', '\\377')
>>> printable("my\\040token, ok")
'my\\040token, ok'
"""

from __future__ import annotations

__all__ = ["printable", "shown_char", "window"]


def shown_char(char: str) -> str:
    """One character as it is printed: itself, or its escape."""
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\{code:03o}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\{code - 0xDC00:03o}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every character that is not printable written as its escape."""
    if text.isprintable():
        return text
    return "".join(map(shown_char, text))


def window(length: int, start: int, end: int, width: int) -> tuple[int, int]:
    """The ``[first, last)`` characters of a ``length``-long line to show around the span
    ``[start, end)``: all of it when it fits in ``width``, else ``width`` characters that
    begin a little before the span.

    >>> window(10, 2, 3, 80), window(10_000, 5_000, 5_001, 80)
    ((0, 10), (4980, 5060))
    """
    if length <= width:
        return 0, length
    first = max(0, min(start - width // 4, length - width))
    return first, first + width
