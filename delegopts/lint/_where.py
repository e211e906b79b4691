"""Where in the input each option and each delegated bit came from.

Cross-option rules point at pieces: the ``Step`` that set a bit, or the key of the option
that needs another one. Both are found again from ``options.source`` and ``options.steps``.
"""

from __future__ import annotations

from delegopts._namedtuple import NamedTuple
from delegopts.catalog import OptionKind
from delegopts.diagnostics import Code
from delegopts.errors import Span
from delegopts.grammar.splitter import Piece, split_options
from delegopts.options import Options, Step

__all__ = ["Where", "where"]


class Where(NamedTuple):
    """The pieces of one parsed option string, by delegate option."""

    pieces: dict[OptionKind, tuple[Piece, ...]]
    setters: dict[OptionKind, dict[int, Step]]
    end: int
    cmds: int = 0  # the effective delegate_cmds mask

    def key_span(self, kind: OptionKind) -> Span:
        """The key of the first ``kind`` piece, or the end of the input if there is none."""
        found = self.pieces[kind]
        return found[0].key_span if found else Span(self.end, self.end)

    def setter(self, kind: OptionKind, bit: int) -> Step | None:
        """The step that set ``bit`` of ``kind`` in the first value that keeps it."""
        return self.setters[kind].get(bit)

    def bit_span(self, kind: OptionKind, bit: int) -> Span:
        step = self.setter(kind, bit)
        return step.span if step is not None else self.key_span(kind)


def where(options: Options) -> Where:
    """Index ``options.source`` the way :func:`delegopts.semantics.parse` read it."""
    data = options.source
    for diagnostic in options.diagnostics:
        if diagnostic.code is Code.TRUNCATED:
            data = data[: diagnostic.span.start]
    pieces: dict[OptionKind, list[Piece]] = {kind: [] for kind in OptionKind}
    if data:
        for piece in split_options(data):
            kind = OptionKind.from_key(piece.key or "")
            if kind is not None and piece.has_equals:
                pieces[kind].append(piece)
    setters: dict[OptionKind, dict[int, Step]] = {kind: {} for kind in OptionKind}
    for kind, found in pieces.items():
        for piece in found:
            value = piece.value_span
            steps = [
                step
                for step in options.steps
                if step.kind is kind and value.start <= step.span.start <= value.end
            ]
            for bit, step in _setters(steps).items():
                setters[kind].setdefault(bit, step)
    return Where(
        {k: tuple(v) for k, v in pieces.items()},
        setters,
        len(options.source),
        options.cmds.effective,
    )


def _setters(steps: list[Step]) -> dict[int, Step]:
    """Within one value: for each bit of the final mask, the step that last turned it on."""
    found: dict[int, Step] = {}
    for step in steps:
        for bit in range(64):
            now, was = step.after >> bit & 1, step.before >> bit & 1
            if not now:
                found.pop(bit, None)
            elif step.action == "number" or not was:
                found[bit] = step
    return found
