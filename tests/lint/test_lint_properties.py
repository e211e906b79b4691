"""The canonical rendering of any mask is lint-clean, except for the rules about its meaning.

The kernel's rendering (``str(options)``) of random masks on the 6.18 and 7.2 catalogs,
parsed again, gives no 1xx/2xx/3xx finding: nothing is ignored, lost or misspelt. What it
does give (4xx, 5xx) depends on the masks alone: the same codes as the masks built directly.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lintdata import catalog

from delegopts.catalog import Catalog, OptionKind
from delegopts.lint import lint
from delegopts.options import Mask, Options
from delegopts.semantics import parse


def _mask(kind: OptionKind, target: Catalog) -> st.SearchStrategy[int]:
    any_mask = target[kind].any_mask
    return st.one_of(
        st.just(0),
        st.just(any_mask),
        st.integers(0, any_mask),
        st.sets(st.sampled_from([n.bit for n in target[kind].names]), max_size=4).map(
            lambda bits: sum(1 << b for b in bits)
        ),
    )


def _build(target: Catalog, bits: tuple[int, int, int, int]) -> Options:
    masks = [Mask(kind, value, target[kind]) for kind, value in zip(OptionKind, bits, strict=True)]
    return Options(target, *masks)


@pytest.mark.parametrize("version", ["6.18.44", "7.2.13"])
def test_rendering_is_lint_clean_except_meaning(version: str) -> None:
    target = catalog(version)

    @settings(max_examples=300, deadline=None)
    @given(st.tuples(*(_mask(kind, target) for kind in OptionKind)))
    def check(bits: tuple[int, int, int, int]) -> None:
        built = _build(target, bits)
        rendered = parse(str(built), target)
        assert rendered == built
        findings = lint(rendered)
        assert [d.headline() for d in findings if d.code.value[1] in "123"] == []
        # Per-piece rules may split into one diagnostic per piece: compare the codes.
        assert {d.code for d in findings} == {d.code for d in lint(built)}

    check()


@pytest.mark.parametrize("version", ["6.18.44", "7.2.13"])
def test_coherent_masks_render_to_risk_findings_only(version: str) -> None:
    """With map_create and prog_load, some map and program types and 'any' attach type,
    the rendering of any masks gives nothing but the risk summary rules (D5xx)."""
    target = catalog(version)
    needed = 1 | 1 << 5  # map_create, prog_load

    @settings(max_examples=200, deadline=None)
    @given(
        st.tuples(
            _mask(OptionKind.CMDS, target).map(lambda bits: bits | needed),
            _mask(OptionKind.MAPS, target).filter(bool),
            _mask(OptionKind.PROGS, target).filter(bool),
            st.just(target[OptionKind.ATTACHS].any_mask),
        )
    )
    def check(bits: tuple[int, int, int, int]) -> None:
        findings = lint(parse(str(_build(target, bits)), target))
        assert [d.headline() for d in findings if not d.code.value.startswith("D5")] == []

    check()
