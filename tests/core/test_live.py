"""Differential tests against the running kernel: it mounts bpffs, we compare.

Every generated option string is mounted with mount(2) in-process, /proc/self/mountinfo is
read and the mount removed; delegopts must agree on accepted or refused, the errno, and the
bpffs part of the options field, byte for byte. Needs root; skips with the reason elsewhere.
"""

from __future__ import annotations

import pytest
from corpus import option_strings

from delegopts import Catalog, OptionError, parse
from delegopts.livekernel import MountResult, TrialMounter

pytestmark = pytest.mark.live  # tests/conftest.py skips these where bpffs cannot be mounted
CORPUS_SIZE = 2500


def predict(text: str, catalog: Catalog) -> MountResult:
    try:
        options = parse(text, catalog)
    except OptionError as error:
        return MountResult(False, error.errno_name, None)
    return MountResult(True, None, str(options))


@pytest.fixture(scope="module")
def kernel() -> TrialMounter:
    with TrialMounter() as mounter:
        yield mounter  # type: ignore[misc]


@pytest.fixture(scope="module")
def running() -> Catalog:
    return Catalog.running_kernel()


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_corpus_agrees_with_the_kernel(
    seed: int, kernel: TrialMounter, running: Catalog
) -> None:
    corpus = list(option_strings(running, CORPUS_SIZE, seed=seed))
    disagreements = []
    accepted = 0
    for text in corpus:
        actual = kernel.trial(text)
        accepted += actual.ok
        if predict(text, running) != actual:
            disagreements.append((text, predict(text, running), actual))
    assert disagreements == []
    # the corpus must exercise both sides, or agreement proves little
    assert 0.2 * len(corpus) < accepted < 0.8 * len(corpus)


EDGES = [
    "delegate_cmds=prog_load:MAP_CREATE,delegate_progs=kprobe,delegate_attachs=xdp",
    "delegate_cmds=common_attrs", "delegate_cmds=prog_load\n", "delegate_cmds=0x\n",
    "delegate_progs=\u212aprobe", "delegate_cmds=\u017fock_create", "mand,ro=0,nomand",
    "uid=4294967295", "gid=4294967294", "mode=17777", "mode=0644\n", "=x,,", "source",
    "a" * 4088 + ",uid=55", "a" * 4089 + ",uid=55", "uid=5," + "\u00e9" * 2045 + "x",
    "delegate_cmds=18446744073709551615:prog_load", "delegate_cmds=99999999999999999999999x",
]  # fmt: skip


@pytest.mark.parametrize("text", EDGES)
def test_edge_cases_agree_with_the_kernel(
    text: str, kernel: TrialMounter, running: Catalog
) -> None:
    assert predict(text, running) == kernel.trial(text)


def test_without_btf_names_the_kernel_falls_back_to_hex(running: Catalog) -> None:
    # The live kernel always has its BTF; what it prints without it is the hex rendering.
    options = parse("delegate_cmds=0x21,delegate_maps=any", running.without_names())
    assert str(options) == "delegate_cmds=0x21,delegate_maps=any"
