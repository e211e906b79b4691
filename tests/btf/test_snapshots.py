"""Each shipped snapshot yields the same catalog as the full BTF it was made from."""

from __future__ import annotations

import lzma

import pytest
from kernels import KERNELS, VERSIONS

from delegopts.btf import load, snapshots
from delegopts.btf.reader import BTF
from delegopts.catalog import Catalog, OptionKind


def facts(catalog: Catalog) -> tuple[object, ...]:
    """Everything a catalog says about its kernel, except its label and BTF size."""
    return (
        tuple(
            (
                kind,
                tuple((n.name, n.declared, n.value, n.index) for n in catalog[kind]),
                catalog[kind].any_mask,
                catalog[kind].guard,
            )
            for kind in OptionKind
        ),
        catalog.keys,
        catalog.supports_delegation,
        catalog.has_token_create,
    )


def test_the_four_kernels_are_shipped() -> None:
    assert snapshots.available() == VERSIONS
    assert snapshots.newest() == "7.2.13"


@pytest.mark.parametrize("version", VERSIONS)
def test_snapshot_equals_its_full_source(version: str) -> None:
    path = KERNELS / f"{version}.btf.xz"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real kernels' BTF lives in shared/ beside the repo")
    full = Catalog.from_bytes(lzma.decompress(path.read_bytes()))
    btf, info = load.load_snapshot(version)
    assert facts(Catalog.from_btf(btf)) == facts(full)
    assert info.btf_size < 8192


@pytest.mark.parametrize("version", VERSIONS)
def test_snapshot_is_reproducible_from_its_full_source(version: str) -> None:
    path = KERNELS / f"{version}.btf.xz"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real kernels' BTF lives in shared/ beside the repo")
    full = BTF.from_bytes(lzma.decompress(path.read_bytes()))
    assert snapshots.slim(full) == snapshots.load(version)


@pytest.mark.parametrize(
    ("version", "delegation", "token_create", "cmds"),
    [
        ("6.1.170", False, False, 37),
        ("6.12.107", True, True, 38),
        ("6.18.44", True, True, 39),
        ("7.2.13", True, True, 41),
    ],
)
def test_snapshot_facts(version: str, delegation: bool, token_create: bool, cmds: int) -> None:
    btf, _ = load.load_snapshot(version)
    catalog = Catalog.from_btf(btf)
    assert (catalog.supports_delegation, catalog.has_token_create) == (delegation, token_create)
    assert len(catalog[OptionKind.CMDS]) == cmds
