"""Round trips: the kernel's rendering parses back to the same meaning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernels import VERSIONS, catalog

from delegopts import OptionKind, parse, parse_mask
from delegopts.options import Mask

DELEGATING = [v for v in VERSIONS if v != "6.1.170"]
masks = st.integers(min_value=0, max_value=2**64 - 1)


@pytest.mark.parametrize("version", DELEGATING)
@pytest.mark.parametrize("kind", list(OptionKind))
@settings(max_examples=150, deadline=None)
@given(bits=masks)
def test_mask_rendering_parses_back(version: str, kind: OptionKind, bits: int) -> None:
    target = catalog(version)
    mask = Mask(kind, bits, target[kind])
    rendered = str(mask)
    if not rendered:
        assert mask.effective == 0
        return
    again = parse_mask(kind, rendered, target)
    assert again == mask
    assert again.effective == bits & target[kind].any_mask
    assert str(again) == rendered


@pytest.mark.parametrize("version", DELEGATING)
@settings(max_examples=150, deadline=None)
@given(
    uid=st.integers(0, 2**32 - 2),
    gid=st.integers(0, 2**32 - 2),
    mode=st.integers(0, 0o7777),
    bits=st.lists(masks, min_size=4, max_size=4),
)
def test_options_rendering_parses_back(
    version: str, uid: int, gid: int, mode: int, bits: list[int]
) -> None:
    target = catalog(version)
    values = ",".join(
        f"{kind.key}={value:#x}" for kind, value in zip(OptionKind, bits, strict=True)
    )
    text = f"uid={uid},gid={gid},mode={mode:o},{values}"
    options = parse(text, target)
    rendered = str(options)
    assert parse(rendered, target) == options
    assert str(parse(rendered, target)) == rendered


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0"), max_size=80))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    from delegopts import OptionError

    try:
        parse(text, catalog("6.18.44"))
    except OptionError as error:
        assert error.errno_name in ("EINVAL", "ERANGE")
        assert 0 <= error.span.start <= len(text)
