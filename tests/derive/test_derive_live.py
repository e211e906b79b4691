"""Proof by loading: libbpf loads each object through a real BPF token made from a bpffs
mounted with the derived options, and fails with any one needed bit taken away.

The loader is Debian unstable's bpftool (``prog loadall``, with the libbpf v1.8 it is
built with) run by the unpacked libc's dynamic loader. For every object:

1. it loads with ``any`` on all four options, or it is left out (libbpf-tools has
   programs for kernel functions this kernel lacks, and maps whose size the tool sets at
   run time): then it must fail as root without a token too;
2. it loads with the derived options;
3. with any one derived bit removed the load fails, unless the answer labels the bit as
   needed only by libbpf's probes or only for BTF.

By default a representative set of libbpf-tools' objects is proved; set
``DELEGOPTS_DERIVE_FULL=1`` for every one of them (about a minute more).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from derivedata.build import build, libbpf_loader
from derivedata.token_load import load, load_as_root

from delegopts import Catalog
from delegopts.btf import BTF
from delegopts.catalog import OptionKind
from delegopts.derive.elfobj import BPFObject, find_objects
from delegopts.derive.needs import Answer, derive
from delegopts.derive.sections import SectionTable

pytestmark = pytest.mark.live

ANY = "delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any"
#: Debian's bpftool 7.8.0 is built with libbpf v1.8 (it says so): the table of that line.
#: bpftool 7.8.0's libbpf v1.8 snapshot still checks loading through the token, as 1.7.0
#: does (libbpf main stopped in 77e9d227): its answers are 1.7.0's, and the section
#: tables of both agree on every object here (tests/derive/test_derive.py).
TABLE = SectionTable.load("1.7.0")
#: One of each kind of libbpf-tools object: tracepoint, kprobe, USDT, tp_btf and raw_tp,
#: perf_event, fentry with kprobe fallbacks, uprobes.
REPRESENTATIVE = ("opensnoop", "bindsnoop", "javagc", "runqlat", "llcstat", "filelife",
                  "bashreadline", "hardirqs", "tcpconnect")  # fmt: skip


def _unavailable() -> str | None:
    from lintdata.token_probe import unavailable

    return unavailable()


@pytest.fixture(scope="module")
def loader() -> list[str]:
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    from debian import package

    bpftool = package("bpftool") / "usr/sbin/bpftool"
    libc = package("libc6") / "usr/lib/x86_64-linux-gnu"
    command = [str(libc / "ld-linux-x86-64.so.2"), "--library-path", str(libc), str(bpftool)]
    done = subprocess.run([*command, "version"], capture_output=True, text=True, check=False)
    if done.returncode != 0 or "using libbpf v1.8" not in done.stdout:
        pytest.skip(f"Debian's bpftool (libbpf v1.8) does not run here: {done.stdout}{done.stderr}")
    return [*command, "prog", "loadall"]


@pytest.fixture(scope="module")
def running() -> Catalog:
    return Catalog.from_source("/sys/kernel/btf/vmlinux")


@dataclass
class Proof:
    """What loading said about one object."""

    name: str
    any_loads: bool
    root_loads: bool | None = None  # as root without a token, where 'any' fails
    derived_loads: bool | None = None
    options: str = ""
    removed: dict[str, bool] = field(default_factory=dict)  # "key=name" -> still loads
    not_minimal: list[str] = field(default_factory=list)
    error: str = ""


def _without(answer: Answer, kind: OptionKind, name: str) -> str:
    bits = answer.bits()
    bits[kind] = [bit for bit in bits[kind] if bit != name]
    return ",".join(f"{k.key}={':'.join(v)}" for k, v in bits.items() if v)


def prove(
    obj: BPFObject, path: Path, loader: list[str], catalog: Catalog, table: SectionTable = TABLE
) -> Proof:
    command = [*loader, str(path)]
    proof = Proof(obj.origin, load(ANY, command)[0])
    if not proof.any_loads:
        proof.root_loads = load_as_root(command)[0]
        return proof
    answer = derive([obj], catalog, table, BTF.from_file("/sys/kernel/btf/vmlinux"))
    assert answer.errors == ()
    proof.options = answer.option_string()
    loaded, _, stderr = load(proof.options, command)
    proof.derived_loads = loaded
    if not loaded:
        proof.error = stderr[-600:]
        return proof
    for kind, names in answer.bits().items():
        for name in names:
            still = load(_without(answer, kind, name), command)[0]
            proof.removed[f"{kind.key}={name}"] = still
            if still and not answer.only_probe_or_btf(kind, name):
                proof.not_minimal.append(f"{kind.key}={name}")
    return proof


def _report(proofs: list[Proof]) -> str:
    lines = []
    for p in proofs:
        exempt = sorted(k for k, loads in p.removed.items() if loads)
        lines.append(
            f"{p.name}: any={p.any_loads} root={p.root_loads} derived={p.derived_loads} "
            f"bits={len(p.removed)} still-load-without={exempt} {p.error}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("name", ["xdp_count", "cgroup_maps", "socket_sock", "tp_btf_kconfig",
                                  "tcx_ingress", "spin_lock", "tcp_cc"])  # fmt: skip
def test_objects_built_here_load_with_exactly_the_derived_options(
    name: str, loader: list[str], running: Catalog
) -> None:
    path = build(name)
    (obj,) = find_objects(path)
    proof = prove(obj, path, loader, running)
    assert proof.any_loads, proof
    assert proof.derived_loads, proof.error
    assert proof.not_minimal == [], _report([proof])
    assert len(proof.removed) >= 5


#: Debian suites whose libbpf1 is a release derive has a table for.
LIBBPFS = [("trixie", "1.5.0"), ("unstable", "1.7.0")]


@pytest.mark.parametrize(("suite", "release"), LIBBPFS)
def test_each_libbpf_release_loads_with_exactly_its_derived_options(
    suite: str, release: str, running: Catalog
) -> None:
    """The same proof with the libbpf a distribution ships, loaded by the smallest libbpf
    application (open, load), for each release's own answer."""
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    loader = libbpf_loader(suite)
    version = subprocess.run([*loader, str(build("xdp_count"))], capture_output=True,
                             text=True, check=False).stdout  # fmt: skip
    if f"libbpf v{release.rsplit('.', 1)[0]} " not in version:
        pytest.skip(f"Debian {suite}'s libbpf is not {release}: {version.strip()}")
    proofs = []
    for name in ("xdp_count", "cgroup_maps", "socket_sock", "tp_btf_kconfig", "tcx_ingress",
                 "spin_lock", "tcp_cc"):  # fmt: skip
        path = build(name)
        (obj,) = find_objects(path)
        proofs.append(prove(obj, path, loader, running, SectionTable.load(release)))
    assert all(p.any_loads and p.derived_loads for p in proofs), _report(proofs)
    assert [p.not_minimal for p in proofs] == [[]] * len(proofs), _report(proofs)
    # as with bpftool: xdp's attach type depends on libbpf's probe, which needs cgroup_sock
    assert proofs[0].removed["delegate_progs=cgroup_sock"] is True


def test_root_without_a_token_loads_what_loads(loader: list[str]) -> None:
    # The control for the libbpf-tools check that failures are not the token's doing.
    assert load_as_root([*loader, str(build("xdp_count"))])[0]
    assert not load_as_root([*loader, str(build("legacy_maps"))])[0]


def test_xdp_attach_type_depends_on_libbpf_probe(loader: list[str], running: Catalog) -> None:
    # Without cgroup_sock libbpf's probe fails, it loads xdp with attach type 0, and the
    # token's cgroup_inet_ingress (there for its other probes) lets that through.
    path = build("xdp_count")
    (obj,) = find_objects(path)
    proof = prove(obj, path, loader, running)
    assert proof.removed["delegate_progs=cgroup_sock"] is True
    assert proof.removed["delegate_attachs=xdp"] is False


def test_btf_load_is_needed_for_a_spin_lock_only(loader: list[str], running: Catalog) -> None:
    # libbpf drops the object's BTF silently when btf_load is refused: most objects still
    # load, a map holding a bpf_spin_lock does not.
    for name, loads_without in (("spin_lock", False), ("xdp_count", True)):
        path = build(name)
        (obj,) = find_objects(path)
        proof = prove(obj, path, loader, running)
        assert proof.removed["delegate_cmds=btf_load"] is loads_without, name


def test_legacy_map_sections_are_refused_by_libbpf_1(loader: list[str]) -> None:
    from debian import package

    tree = package("opensnitch-ebpf-modules") / "usr/lib/opensnitchd/ebpf"
    for path in sorted(tree.iterdir()):
        loaded, _, stderr = load(ANY, [*loader, str(path)])
        assert not loaded
        assert "bad map relo against" in stderr  # maps/NAME sections are skipped


def _extract(files: list[Path], tmp_path: Path) -> list[tuple[BPFObject, Path]]:
    """The distinct objects in ``files``, each written to a file of its own."""
    seen: dict[bytes, tuple[BPFObject, Path]] = {}
    for file in files:
        for number, obj in enumerate(find_objects(file)):
            if obj.data not in seen:
                path = tmp_path / f"{file.name}.{number}.bpf.o"
                path.write_bytes(obj.data)
                seen[obj.data] = (obj, path)
    return list(seen.values())


def _libbpf_tools(tmp_path: Path) -> list[tuple[BPFObject, Path]]:
    from debian import package

    return _extract(sorted((package("libbpf-tools") / "usr/sbin").iterdir()), tmp_path)


def test_systemd_objects_that_load_load_with_the_derived_options(
    loader: list[str], running: Catalog, tmp_path: Path
) -> None:
    # Most of systemd's maps are sized at run time (max_entries 0 in the object): those
    # objects fail whatever the token, and as root too.
    from debian import package

    library = package("libsystemd-shared") / "usr/lib/x86_64-linux-gnu/systemd"
    objects = _extract(sorted(library.glob("libsystemd-core-*.so")), tmp_path)
    proofs = [prove(obj, path, loader, running) for obj, path in objects]
    report = _report(proofs)
    assert len(proofs) == 5, report
    assert not any(p.root_loads for p in proofs), report
    loadable = [p for p in proofs if p.any_loads]
    assert loadable, report
    assert all(p.derived_loads and not p.not_minimal for p in loadable), report


def test_libbpf_tools_load_with_the_derived_options(
    loader: list[str], running: Catalog, tmp_path: Path
) -> None:
    objects = _libbpf_tools(tmp_path)
    if os.environ.get("DELEGOPTS_DERIVE_FULL") != "1":
        objects = [
            o for o in objects if o[1].name.removesuffix("-libbpf.0.bpf.o") in REPRESENTATIVE
        ]
        assert len(objects) == len(REPRESENTATIVE)
    proofs = [prove(obj, path, loader, running) for obj, path in objects]
    report = _report(proofs)
    print(f"\n{report}")
    loadable = [p for p in proofs if p.any_loads]
    print(f"{len(proofs)} objects, {len(loadable)} load with 'any', "
          f"{sum(bool(p.derived_loads) for p in loadable)} with the derived options, "
          f"{sum(len(p.removed) for p in loadable)} bits removed one at a time")  # fmt: skip
    assert loadable, report
    # What fails with 'any' fails as root without a token too: the token is not the cause.
    assert not any(p.root_loads for p in proofs), report
    assert all(p.derived_loads for p in loadable), report
    assert all(not p.not_minimal for p in loadable), report
