"""D302-D305: names the kernel refuses, told apart so a refusal gets a code and a fix.

The mount fails (``EINVAL``) on these, so they arrive as an
:class:`~delegopts.errors.OptionError`; :func:`classify_error` finds which spelling mistake
it was from the source and span the error carries.
"""

from __future__ import annotations

from delegopts.catalog import Catalog, EnumCatalog, Name, OptionKind, ascii_lower
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import OptionError
from delegopts.grammar.splitter import split_options
from delegopts.history import a, newer_name_note

__all__ = ["classify_error"]

_PREFIXES = ("BPF_MAP_TYPE_", "BPF_PROG_TYPE_", "BPF_")


def _prefixed(text: str, enum: EnumCatalog) -> Name | None:
    lowered = ascii_lower(text)
    for prefix in _PREFIXES:
        if lowered.startswith(ascii_lower(prefix)):
            found = enum.lookup(text[len(prefix) :])
            if found is not None:
                return found
    return None


def _kind_at(source: str, position: int) -> OptionKind | None:
    # only what comes before the piece's end matters: never split the rest of a long text
    end = source.find(",", position)
    head = source[: end if end >= 0 else position + 1]
    try:
        pieces = split_options(head)
    except OptionError:
        return None
    for piece in pieces:
        if piece.has_equals and piece.value_span.start <= position <= piece.value_span.end:
            return OptionKind.from_key(piece.key or "")
    return None


def classify_error(error: OptionError, catalog: Catalog) -> Diagnostic | None:
    """The D3xx diagnostic for a refused delegate piece, or None if it is none of them.

    >>> from delegopts import parse
    >>> catalog = tiny_catalog
    >>> try:
    ...     parse("delegate_cmds=BPF_PROG_LOAD", catalog)
    ... except OptionError as error:
    ...     print(classify_error(error, catalog).headline())
    error: D304 'BPF_PROG_LOAD' keeps the enum prefix 'BPF_': the kernel matches names without it (column 15); write 'prog_load'
    """  # noqa: E501
    if error.errno_name != "EINVAL":
        return None
    kind = _kind_at(error.source, error.span.start)
    text = error.source[error.span.start : error.span.end]
    if kind is None or not text:
        return None
    enum = catalog[kind]
    if enum.lookup(text) is not None:
        return None
    if text != "any" and ascii_lower(text) == "any":
        return Diagnostic(
            Code.ANY_CASE,
            f"{text!r} is not 'any': the kernel compares 'any' case-sensitively",
            error.span,
            "write 'any'",
        )
    found = _prefixed(text, enum)
    if found is not None:
        prefix = text[: len(text) - len(found.name)]
        return Diagnostic(
            Code.PREFIX_KEPT,
            f"{text!r} keeps the enum prefix {prefix!r}: the kernel matches names without it",
            error.span,
            f"write '{found.name}'",
        )
    note = newer_name_note(kind, text, catalog.label)
    if note is not None:
        return Diagnostic(Code.NEWER_NAME, note, error.span, "target a newer kernel or remove it")
    for other in OptionKind:
        if other is not kind and catalog[other].lookup(text) is not None:
            return Diagnostic(
                Code.OTHER_OPTION_NAME,
                f"{text!r} is {a(other.noun)}, not {a(kind.noun)}: it belongs in {other.key}",
                error.span,
                f"move it to {other.key}",
            )
    return None
