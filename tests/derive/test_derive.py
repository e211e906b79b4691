"""``delegopts derive``: libbpf's section table, objects built with clang, real packages,
and hostile files. The proof by loading through a real token is in test_derive_live.py."""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

import pytest
from derivedata.build import build, embed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernels import catalog

from delegopts import parse
from delegopts.catalog import OptionKind
from delegopts.derive.elfobj import BPFObject, ObjectError, find_objects, read_object
from delegopts.derive.needs import derive, load_objects
from delegopts.derive.sections import SectionTable, releases

TABLE = SectionTable.load("1.7.0")
K618 = "6.18.44"


def answer(path: Path, version: str = K618, *, optional: bool = False) -> str:
    found = derive(find_objects(path), catalog(version), TABLE)
    assert found.errors == ()
    return str(parse(found.option_string(optional_probes=optional), catalog(version)))


# -- the section table ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("release", "section", "expected"),
    [
        ("1.7.0", "xdp", ("xdp", "xdp", True)),
        ("1.7.0", "xdp.frags", ("xdp", "xdp", False)),
        ("1.7.0", "xdp/devmap", ("xdp", "xdp_devmap", False)),
        ("1.7.0", "kprobe/do_sys_openat2", ("kprobe", None, False)),
        ("1.7.0", "kprobe", ("kprobe", None, False)),
        ("1.7.0", "kprobe.multi/vfs_*", ("kprobe", "trace_kprobe_multi", False)),
        ("1.7.0", "kprobe.session/x", ("kprobe", "trace_kprobe_session", False)),
        ("1.7.0", "usdt/lib:provider:name", ("kprobe", None, False)),
        ("1.7.0", "tp_btf/sched_switch", ("tracing", "trace_raw_tp", False)),
        ("1.7.0", "fentry/vfs_read", ("tracing", "trace_fentry", False)),
        ("1.7.0", "fsession/vfs_read", ("tracing", "trace_fsession", False)),
        ("1.7.0", "lsm/file_open", ("lsm", "lsm_mac", False)),
        ("1.7.0", "lsm_cgroup/file_open", ("lsm", "lsm_cgroup", False)),
        ("1.7.0", "struct_ops/cc_init", ("struct_ops", None, False)),
        ("1.7.0", "tc/ingress", ("sched_cls", "tcx_ingress", False)),
        ("1.7.0", "tc", ("sched_cls", None, False)),
        ("1.7.0", "sk_reuseport/migrate",
         ("sk_reuseport", "sk_reuseport_select_or_migrate", False)),
        ("1.7.0", "sk_reuseport", ("sk_reuseport", "sk_reuseport_select", False)),
        ("1.7.0", "cgroup/sock", ("cgroup_sock", "cgroup_inet_sock_create", True)),
        ("1.7.0", "cgroup/sock_release", ("cgroup_sock", "cgroup_inet_sock_release", False)),
        ("1.7.0", "cgroup_skb/egress", ("cgroup_skb", "cgroup_inet_egress", True)),
        ("1.7.0", "socket", ("socket_filter", None, False)),
        ("1.7.0", "tracepoint.s/syscalls/x", None),  # sleepable tracepoints came after 1.7
        ("1.8-dev@f7081a6b", "tracepoint.s/syscalls/x", ("tracepoint", None, False)),
        ("1.7.0", "fentry.multi/vfs_*", None),
        ("1.8-dev@f7081a6b", "fentry.multi/vfs_*", ("tracing", "trace_fentry_multi", False)),
        ("1.4.0", "kprobe.session/x", None),  # each minor release added sections
        ("1.5.1", "kprobe.session/x", ("kprobe", "trace_kprobe_session", False)),
        ("1.5.0", "uprobe.session/x", None),
        ("1.6.2", "uprobe.session/x", ("kprobe", "trace_uprobe_session", False)),
        ("1.6.3", "fsession/vfs_read", None),
        ("1.4.7", "xdp", ("xdp", "xdp", True)),
        ("1.7.0", "kprobex", None),  # "kprobe+" needs the end or a '/'
        ("1.7.0", "socket/x", None),  # a plain pattern matches only itself
    ],
)  # fmt: skip
def test_section_names_map_as_libbpf_maps_them(
    release: str, section: str, expected: tuple[str, str | None, bool] | None
) -> None:
    kind = SectionTable.load(release).match(section)
    got = None if kind is None else (kind.prog_type, kind.attach_type, kind.attach_optional)
    assert got == expected


@pytest.mark.parametrize("release", releases())
def test_every_name_in_the_table_is_a_kernel_name(release: str) -> None:
    # 7.2.13 has every type libbpf's tables name: a typo in the table would show here.
    names = catalog("7.2.13")
    for kind in SectionTable.load(release).kinds:
        assert names[OptionKind.PROGS].lookup(kind.prog_type), kind
        if kind.attach_type is not None:
            assert names[OptionKind.ATTACHS].lookup(kind.attach_type), kind


# -- objects built with clang -----------------------------------------------------------
XDP = ("delegate_cmds=map_create:prog_load:btf_load,delegate_maps=array,"
       "delegate_progs=socket_filter:xdp:cgroup_sock,"
       "delegate_attachs=cgroup_inet_ingress:cgroup_inet_sock_create:xdp")  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xdp_count", XDP),
        ("cgroup_maps", "delegate_cmds=map_create:prog_load:btf_load,"
         "delegate_maps=lru_hash:hash_of_maps:ringbuf,"
         "delegate_progs=socket_filter:cgroup_skb:cgroup_sock,"
         "delegate_attachs=cgroup_inet_ingress:cgroup_inet_egress:cgroup_inet_sock_create"),
        ("socket_sock", "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter:cgroup_sock,"
         "delegate_attachs=cgroup_inet_ingress:cgroup_inet_sock_create"),
        ("legacy_maps", "delegate_cmds=map_create:prog_load,delegate_maps=percpu_array,"
         "delegate_progs=socket_filter:kprobe,delegate_attachs=cgroup_inet_ingress"),
        ("tp_btf_kconfig", "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=hash:array,"
         "delegate_progs=socket_filter:kprobe:tracing,"
         "delegate_attachs=cgroup_inet_ingress:trace_raw_tp"),
        ("tcx_ingress", "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter:sched_cls,"
         "delegate_attachs=cgroup_inet_ingress:tcx_ingress"),
    ],
)  # fmt: skip
def test_objects_built_with_clang(name: str, expected: str) -> None:
    assert answer(build(name)) == expected


def test_optional_probes_add_only_their_bits() -> None:
    # __arg_ctx's probe loads a kprobe program; bpf_probe_read_kernel's a tracepoint one.
    assert answer(build("tp_btf_kconfig"), optional=True) == (
        "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=hash:array,"
        "delegate_progs=socket_filter:kprobe:tracepoint:tracing,"
        "delegate_attachs=cgroup_inet_ingress:trace_raw_tp"
    )


def test_each_bit_says_who_needs_it() -> None:
    found = derive(find_objects(build("cgroup_maps")), catalog(K618), TABLE)
    why = {(n.kind, n.name, n.role, n.why) for n in found.needs}
    assert (OptionKind.MAPS, "lru_hash", "load", "map outer.inner (inner)") in why
    assert (OptionKind.MAPS, "hash_of_maps", "load", "map outer (btf)") in why
    egress = "program egress (SEC 'cgroup_skb/egress')"
    assert (OptionKind.ATTACHS, "cgroup_inet_egress", "load", egress) in why
    assert found.roles(OptionKind.PROGS, "cgroup_sock") == {"probe"}
    assert found.roles(OptionKind.CMDS, "btf_load") == {"btf", "probe"}
    assert found.only_probe_or_btf(OptionKind.CMDS, "btf_load")
    assert not found.only_probe_or_btf(OptionKind.MAPS, "ringbuf")
    effects = dict(found.probe_effects)
    assert "egress" in effects["exp_attach_type"]
    # cgroup_skb needs no CAP_NET_ADMIN; libbpf's cgroup_sock probe does.
    caps = dict(found.capabilities)
    assert list(caps) == ["CAP_BPF", "CAP_NET_ADMIN"]
    assert caps["CAP_NET_ADMIN"].startswith("cgroup_sock programs (libbpf's probe of")


def test_maps_the_kernel_creates_only_with_btf_make_btf_load_the_loads_own() -> None:
    found = derive(find_objects(build("spin_lock")), catalog(K618), TABLE)
    assert found.roles(OptionKind.CMDS, "btf_load") == {"load", "btf", "probe"}
    assert not found.only_probe_or_btf(OptionKind.CMDS, "btf_load")
    whys = [n.why for n in found.needs if n.name == "btf_load" and n.role == "load"]
    assert whys == ["map locked (its value holds bpf_spin_lock: created only with BTF)"]
    # Without such a map, btf_load stays labelled BTF-only.
    plain = derive(find_objects(build("xdp_count")), catalog(K618), TABLE)
    assert plain.only_probe_or_btf(OptionKind.CMDS, "btf_load")


def test_struct_ops_members_index_the_attach_types() -> None:
    # tcp_congestion_ops of 6.18.44: ssthresh is member 0, cong_avoid 1, undo_cwnd 8.
    from kernels import raw_btf

    from delegopts.btf import BTF

    kernel = BTF.from_bytes(raw_btf(K618))
    found = derive(find_objects(build("tcp_cc")), catalog(K618), TABLE, kernel)
    assert found.errors == ()
    assert str(parse(found.option_string(), catalog(K618))) == (
        "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=struct_ops,"
        "delegate_progs=socket_filter:struct_ops,"
        "delegate_attachs=cgroup_inet_ingress:cgroup_inet_egress:cgroup_inet4_bind"
    )
    why = {n.name: n.why for n in found.needs if n.kind is OptionKind.ATTACHS}
    assert why["cgroup_inet4_bind"] == (
        "program dlg_undo_cwnd (SEC 'struct_ops/dlg_undo_cwnd'), member undo_cwnd of struct "
        "tcp_congestion_ops in map delegopts_cc"
    )
    without = derive(find_objects(build("tcp_cc")), catalog(K618), TABLE)
    assert len(without.errors) == 3
    assert "needs the kernel's complete BTF" in without.errors[0]


@pytest.mark.parametrize(("kernel", "takes_token"), [("6.12.107", False), ("6.18.44", True),
                                                    ("7.2.13", True)])  # fmt: skip
def test_freplace_reads_its_target_btf_through_the_token(kernel: str, takes_token: bool) -> None:
    # libbpf_find_prog_btf_id() passes the token to BPF_BTF_GET_FD_BY_ID (libbpf 1.6 on);
    # the kernel takes one there from 6.15 on (union bpf_attr's fd_by_id_token_fd).
    from kernels import raw_btf

    from delegopts.btf import BTF

    objects = find_objects(build("freplace"))
    found = derive(objects, catalog(kernel), TABLE, BTF.from_bytes(raw_btf(kernel)))
    assert "btf_get_fd_by_id" in found.bits()[OptionKind.CMDS]
    assert found.roles(OptionKind.CMDS, "btf_get_fd_by_id") == {"load"}
    refused = [e for e in found.errors if "BPF_BTF_GET_FD_BY_ID takes no token" in e]
    assert len(refused) == (0 if takes_token else 1)


def test_both_byte_orders_give_one_answer() -> None:
    big = derive(find_objects(build("xdp_count", "bpfeb")), catalog(K618), TABLE)
    little = derive(find_objects(build("xdp_count", "bpfel")), catalog(K618), TABLE)
    assert find_objects(build("xdp_count", "bpfeb"))[0].big_endian
    assert big.option_string() == little.option_string()
    assert any("byte order" in note for note in big.notes + little.notes)


@pytest.mark.parametrize("kind", ["exe", "so"])
def test_objects_embedded_in_programs_and_libraries(kind: str) -> None:
    (found,) = find_objects(embed("xdp_count", kind))
    assert "@0x" in found.origin
    assert answer(embed("xdp_count", kind)) == XDP


def test_a_type_the_kernel_lacks_is_an_error() -> None:
    errors = derive(find_objects(build("fsession")), catalog(K618), TABLE).errors
    assert len(errors) == 1
    assert errors[0].endswith(
        "program around_read (SEC 'fsession/vfs_read'): 'trace_fsession' is not an attach "
        "type of kernel 6.18.44"
    )
    assert answer(build("fsession"), "7.2.13") == (
        "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter:tracing,"
        "delegate_attachs=cgroup_inet_ingress:trace_fsession"
    )


@pytest.mark.parametrize("name", ["xdp_count", "cgroup_maps", "tp_btf_kconfig"])
def test_a_kernel_without_btf_gets_numbers(name: str) -> None:
    # Such a kernel matches no names: the answer is the same masks, written as numbers.
    named = derive(find_objects(build(name)), catalog(K618), TABLE)
    numbers = derive(find_objects(build(name)), catalog(K618).without_names(), TABLE)
    assert numbers.errors == ()
    assert "0x" in numbers.option_string() and "array" not in numbers.option_string()
    masks = [m.effective for m in parse(named.option_string(), catalog(K618))]
    assert [m.effective for m in parse(numbers.option_string(), catalog(K618))] == masks


def test_a_kernel_without_delegation_is_an_error() -> None:
    errors = derive(find_objects(build("xdp_count")), catalog("6.1.170"), TABLE).errors
    assert errors[0] == (
        "kernel 6.1.170 has no BPF token delegation (bpffs delegate_* options came with Linux 6.9)"
    )


def test_static_programs_are_errors() -> None:
    errors = derive(find_objects(build("static_prog")), catalog(K618), TABLE).errors
    assert [e.split(": ", 1)[1] for e in errors] == [
        "program hidden (SEC 'socket') is a static function: libbpf 1.0 and later refuse to "
        "load it (make it global)"
    ]


def test_a_kconfig_extern_filled_by_a_probe() -> None:
    found = derive(find_objects(build("tp_btf_kconfig")), catalog(K618), TABLE)
    effects = dict(found.probe_effects)
    assert effects["bpf_cookie"].startswith("LINUX_HAS_BPF_COOKIE reads false")
    assert found.roles(OptionKind.PROGS, "tracepoint") == {"probe"}  # optional: not needed


def test_programs_without_autoload_are_left_out() -> None:
    found = derive(find_objects(build("autoload_off")), catalog(K618), TABLE)
    assert answer(build("autoload_off")) == (
        "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter,"
        "delegate_attachs=cgroup_inet_ingress"
    )
    assert [n for n in found.notes if "autoload" in n] == [
        f"{build('autoload_off')}: program maybe (SEC '?kprobe/do_nanosleep') is not loaded "
        "unless the application turns its autoload on; it is left out"
    ]


def test_legacy_maps_get_an_answer_and_a_note() -> None:
    found = derive(find_objects(build("legacy_maps")), catalog(K618), TABLE)
    assert any("libbpf 1.0 and later refuse them" in note for note in found.notes)
    assert "btf_load" not in found.option_string()  # built without -g: no .BTF


def test_several_objects_union_into_one_answer() -> None:
    objects = find_objects(build("socket_sock")) + find_objects(build("tcx_ingress"))
    found = derive(objects, catalog(K618), TABLE)
    assert str(parse(found.option_string(), catalog(K618))) == (
        "delegate_cmds=prog_load:btf_load,delegate_progs=socket_filter:sched_cls:cgroup_sock,"
        "delegate_attachs=cgroup_inet_ingress:cgroup_inet_sock_create:tcx_ingress"
    )
    origins = {n.origin for n in found.needs if n.name == "socket_filter"}
    assert origins == {str(build("socket_sock")), str(build("tcx_ingress"))}


# -- hostile and wrong files ------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file, not a BPF object"),
        (
            b"hello world\n" * 10,
            "not an ELF file, and no BPF object (ELF, e_machine 247) is embedded in it",
        ),
        (b"\x7fELF\x02\x01\x01" + bytes(57), "an ELF file but not a BPF one, and no BPF"),
    ],
)
def test_files_without_objects_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(ObjectError, match=re.escape(message)):
        find_objects(path)


def _bpf_elf(shentsize: int, shnum: int, count_in_section_0: int = 0) -> bytes:
    """An ELF64 BPF header and one section header, e_shoff 64."""
    import struct

    header = (
        b"\x7fELF\x02\x01\x01"
        + bytes(9)
        + struct.pack("<HHIQQQIHHHHHH", 1, 247, 1, 0, 0, 64, 0, 64, 0, 0, shentsize, shnum, 0)
    )
    section_0 = bytes(32) + struct.pack("<Q", count_in_section_0) + bytes(24)
    return header + section_0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # older pyelftools walk these section tables one header at a time, for ever
        (_bpf_elf(0, 0), "e_shentsize is 0, not 64 (at byte 58)"),
        (_bpf_elf(0, 3), "e_shentsize is 0, not 64 (at byte 58)"),
        (_bpf_elf(64, 0, 1 << 56), f"{1 << 56} section headers of 64 bytes at 64 run past"),
        (_bpf_elf(64, 0xFFF0), "65520 section headers of 64 bytes at 64 run past the end"),
    ],
)
def test_corrupt_section_tables_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(ObjectError, match=re.escape(message)):
        read_object(content, origin="corrupt.o")


def test_a_directory_reports_only_named_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not BPF")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.o").write_bytes(build("socket_sock").read_bytes())
    objects, problems = load_objects([str(tmp_path)])
    assert [o.origin for o in objects] == [str(tmp_path / "sub" / "x.o")]
    assert problems == []
    _, problems = load_objects([str(tmp_path / "notes.txt")])
    assert len(problems) == 1


def test_compressed_sections_are_never_inflated(tmp_path: Path) -> None:
    # A section flagged SHF_COMPRESSED is skipped, not inflated: .debug_info's bytes are no
    # zlib stream, so reading it would fail (and a hostile one could be a zlib bomb).
    import struct

    data = bytearray(build("xdp_count").read_bytes())
    (obj,) = find_objects(build("xdp_count"))
    index = next(s.index for s in obj.sections if s.name == ".debug_info")
    header = struct.unpack_from("<Q", data, 0x28)[0] + 64 * index
    flags = struct.unpack_from("<Q", data, header + 8)[0]
    struct.pack_into("<Q", data, header + 8, flags | 0x800)
    path = tmp_path / "compressed.o"
    path.write_bytes(bytes(data))
    assert answer(path) == XDP


def test_special_files_are_refused_without_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert load_objects([str(fifo), "/dev/null"]) == ([], [
        f"{fifo}: is a FIFO, not a regular file; to read a pipe, give '-' and redirect it to "
        "standard input",
        "/dev/null: is a character device, not a regular file"])  # fmt: skip


def test_names_that_are_no_file_names(tmp_path: Path) -> None:
    # An empty name would otherwise be the current directory, a NUL no name at all.
    assert load_objects(["", "a\0b"]) == ([], ["'': not a file name", "'a\\x00b': not a file name"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_corrupt_objects_give_an_error_or_an_answer(data: st.DataObject) -> None:
    import struct

    original = bytearray(build("cgroup_maps").read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        # the ELF header (64 bytes) half the time: one field there shapes the whole walk
        at = data.draw(st.integers(0, 63) | st.integers(0, len(original) - 8))
        if data.draw(st.booleans()):
            original[at] = data.draw(st.integers(0, 255))
        else:  # a header or table field set to a boundary value
            fmt = data.draw(st.sampled_from(["<H", "<I", "<Q"]))
            value = data.draw(st.sampled_from([0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 56]))
            struct.pack_into(fmt, original, at, value & ((1 << 8 * struct.calcsize(fmt)) - 1))
    cut = data.draw(st.integers(64, len(original)))
    try:
        obj = read_object(bytes(original[:cut]), origin="mutant")
        derive([obj], catalog(K618), TABLE)
    except ObjectError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=512), st.binary(max_size=512), st.integers(0, 3))
def test_objects_among_other_bytes_are_found(before: bytes, after: bytes, fakes: int) -> None:
    # Fake headers (a BPF ELF header and nothing valid behind it) never hide a real object.
    from delegopts.derive.elfobj import objects_in

    real = build("socket_sock").read_bytes()
    fake = real[:64] + bytes(64)
    data = b"\0" + before + fake * fakes + real + after
    found = objects_in(data, "blob")
    assert [obj.data for obj in found] == [real]


# -- real objects: Debian's packages ----------------------------------------------------
@functools.cache
def _debian(name: str) -> Path:
    """The unpacked package (apt asked once per module run)."""
    from debian import package

    return package(name)


def test_opensnitch_modules() -> None:
    tree = _debian("opensnitch-ebpf-modules") / "usr/lib/opensnitchd/ebpf"
    objects, problems = load_objects([str(tree)])
    assert problems == []
    assert sorted(Path(o.origin).name for o in objects) == [
        "opensnitch-dns.o", "opensnitch-procs.o", "opensnitch.o"]  # fmt: skip
    found = derive(objects, catalog(K618), TABLE)
    assert found.errors == ()
    assert str(parse(found.option_string(), catalog(K618))) == (
        "delegate_cmds=map_create:prog_load:btf_load,"
        "delegate_maps=hash:perf_event_array:percpu_array,"
        "delegate_progs=socket_filter:kprobe:tracepoint,delegate_attachs=cgroup_inet_ingress"
    )
    legacy = [n for n in found.notes if "legacy map definitions" in n]
    assert len(legacy) == 3


def test_systemd_bpf_objects() -> None:
    # libsystemd-core holds five skeletons: restrict-fs and its LSM guards, bind-iface,
    # socket-bind, restrict-ifaces.
    library = _debian("libsystemd-shared") / "usr/lib/x86_64-linux-gnu/systemd"
    objects, problems = load_objects([str(library)])
    assert problems == []
    assert len(objects) == 5
    found = derive(objects, catalog(K618), TABLE)
    assert found.errors == ()
    assert str(parse(found.option_string(), catalog(K618))) == (
        "delegate_cmds=map_create:prog_load:btf_load,delegate_maps=hash:array:hash_of_maps,"
        "delegate_progs=socket_filter:cgroup_skb:cgroup_sock:cgroup_sock_addr:lsm,"
        "delegate_attachs=cgroup_inet_ingress:cgroup_inet_egress:cgroup_inet_sock_create:"
        "cgroup_inet4_bind:cgroup_inet6_bind:lsm_mac"
    )
    # restrict-fs's cgroup_hash gets its inner maps from systemd's C code, not the object.
    assert [n for n in found.notes if "cgroup_hash holds maps" in n]


def libbpf_tools() -> list[Path]:
    return sorted((_debian("libbpf-tools") / "usr/sbin").iterdir())


@functools.cache
def tool_objects() -> dict[Path, list[BPFObject]]:
    """Each libbpf-tools program and the objects in it, read once for the module."""
    return {tool: find_objects(tool) for tool in libbpf_tools()}


def test_libbpf_tools_every_skeleton_is_found_and_derived() -> None:
    tools = libbpf_tools()
    digests = set()
    for tool, found_objects in tool_objects().items():
        (obj,) = found_objects  # one skeleton each
        assert obj.origin.startswith(f"{tool}@0x")
        digests.add(hashlib.sha256(obj.data).hexdigest())
        found = derive([obj], catalog(K618), TABLE)
        assert found.errors == (), tool
        assert found.option_string().startswith("delegate_cmds=")
    assert len(tools) >= 70
    assert len(digests) >= 50  # tools of one family (ext4dist, xfsdist...) share one object


def test_every_release_with_tokens_is_covered() -> None:
    """libbpf 1.4.0 (the first with BPF tokens) to 1.7.0, each patch release by its minor's
    table, and nothing older."""
    shipped = releases()
    for minor, last in (("1.4", 7), ("1.5", 1), ("1.6", 3)):
        assert [f"{minor}.{patch}" for patch in range(last + 1)] == [
            r for r in shipped if r.startswith(minor + ".")
        ]
        tables = {SectionTable.load(f"{minor}.{patch}").kinds for patch in range(last + 1)}
        assert len(tables) == 1
    assert shipped.index("1.4.0") == 0 and "1.7.0" in shipped
    with pytest.raises(KeyError):
        SectionTable.load("1.3.0")


@pytest.mark.parametrize(
    ("release", "loading", "prog_name", "freplace", "arena"),
    [
        ("1.4.3", True, False, False, False),
        ("1.5.0", True, True, False, False),
        ("1.6.1", True, True, True, False),
        ("1.7.0", True, True, True, True),
        ("1.8-dev@f7081a6b", False, True, True, True),
    ],
)  # fmt: skip
def test_what_each_release_does_with_a_token(
    release: str, loading: bool, prog_name: bool, freplace: bool, arena: bool
) -> None:
    table = SectionTable.load(release)
    assert (table.probe_loading_with_token, table.prog_name_probe_with_token,
            table.btf_by_id_with_token, table.arena_probe) == (loading, prog_name, freplace,
                                                               arena)  # fmt: skip
    # what the answers say of it
    objects = find_objects(build("xdp_count"))
    named = derive(objects, catalog(K618), table)
    assert any(n.probe == "prog_name" for n in named.needs) == prog_name
    assert any("loaded without names" in note for note in named.notes) != prog_name
    from kernels import raw_btf

    from delegopts.btf import BTF

    replacing = derive(find_objects(build("freplace")), catalog(K618), table,
                       BTF.from_bytes(raw_btf(K618)))  # fmt: skip
    refused = [e for e in replacing.errors if "without the token (libbpf 1.6 passes it)" in e]
    assert len(refused) == (0 if freplace else 1)
    assert ("btf_get_fd_by_id" in replacing.bits()[OptionKind.CMDS]) == freplace
    with_arena = derive(find_objects(build("arena")), catalog(K618), table)
    assert with_arena.errors == ()
    assert ("array" in with_arena.bits(optional_probes=True)[OptionKind.MAPS]) == arena
    assert "array" not in with_arena.bits()[OptionKind.MAPS]  # the probe is optional


def test_libbpf_releases_agree_on_every_real_object() -> None:
    # The section tables of 1.7.0 and of main give every real object the same types; main
    # only stopped checking loading through the token.
    newer = SectionTable.load("1.8-dev@f7081a6b")
    for tool, objects in tool_objects().items():
        old = derive(objects, catalog(K618), TABLE).needs
        new = derive(objects, catalog(K618), newer).needs
        assert [n for n in old if n.probe not in _LOADING] == list(new), tool


_LOADING = ("loading", "loading_tracepoint")


def test_main_checks_loading_without_the_token() -> None:
    # libbpf 77e9d227 skips bpf_object__probe_loading() with a token: an object without
    # global data then needs no socket_filter at all.
    newer = SectionTable.load("1.8-dev@f7081a6b")
    assert not newer.probe_loading_with_token and TABLE.probe_loading_with_token
    objects = find_objects(build("cgroup_maps"))
    assert "socket_filter" in derive(objects, catalog(K618), TABLE).option_string()
    assert "socket_filter" not in derive(objects, catalog(K618), newer).option_string()


def test_libbpf_tools_opensnoop() -> None:
    tool = next(t for t in libbpf_tools() if t.name == "opensnoop-libbpf")
    assert answer(tool) == (
        "delegate_cmds=map_create:prog_load:btf_load,"
        "delegate_maps=hash:array:percpu_array:ringbuf,"
        "delegate_progs=socket_filter:tracepoint,delegate_attachs=cgroup_inet_ingress"
    )


def test_directory_of_libbpf_tools_unions_the_answers() -> None:
    objects, problems = load_objects([str(_debian("libbpf-tools") / "usr/sbin")])
    assert problems == []
    found = derive(objects, catalog(K618), TABLE)
    progs = found.bits()[OptionKind.PROGS]
    assert set(progs) == {"socket_filter", "kprobe", "tracepoint", "perf_event",
                          "raw_tracepoint", "tracing"}  # fmt: skip


# -- comparing a configuration with what the objects need -------------------------------
@pytest.mark.parametrize(
    ("options", "missing", "surplus", "optional"),
    [
        (XDP, [], [], []),
        ("delegate_cmds=map_create:prog_load,delegate_maps=array:hash,"
         "delegate_progs=xdp:kprobe:socket_filter:cgroup_sock,"
         "delegate_attachs=xdp:cgroup_inet_ingress:cgroup_inet_sock_create",
         ["btf_load"], ["hash"], ["kprobe"]),
        ("delegate_cmds=map_create:prog_load:btf_load:map_lookup_elem,delegate_maps=array,"
         "delegate_progs=xdp:socket_filter,delegate_attachs=cgroup_inet_ingress",
         ["cgroup_sock", "xdp", "cgroup_inet_sock_create"], ["map_lookup_elem"], []),
        ("delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any",
         [], ["any", "any", "any", "any"], []),
    ],
)  # fmt: skip
def test_compare_names_missing_and_surplus_bits(
    options: str, missing: list[str], surplus: list[str], optional: list[str]
) -> None:
    from delegopts.derive.compare import compare

    found = derive(find_objects(build("xdp_count")), catalog(K618), TABLE)
    result = compare(parse(options, catalog(K618)), found)
    assert [g.name for g in result.missing] == missing
    assert [g.name for g in result.surplus] == surplus
    assert [g.name for g in result.optional] == optional
    assert result.enough is not missing


def test_compare_on_a_kernel_without_btf() -> None:
    from delegopts.derive.compare import compare

    bare = catalog(K618).without_names()
    found = derive(find_objects(build("xdp_count")), bare, TABLE)
    exact = compare(parse(found.option_string(), bare), found)
    assert (exact.missing, exact.surplus) == ((), ())
    less = compare(parse("delegate_cmds=0x21,delegate_maps=0x6,delegate_progs=0x242,"
                         "delegate_attachs=0x2000000005", bare), found)  # fmt: skip
    assert [(g.kind.key, g.name) for g in less.missing] == [("delegate_cmds", "btf_load")]
    assert [(g.kind.key, g.name) for g in less.surplus] == [("delegate_maps", "0x2")]


def test_compare_says_how_each_missing_bit_fails() -> None:
    from delegopts.derive.compare import compare

    found = derive(find_objects(build("spin_lock")), catalog(K618), TABLE)
    result = compare(parse("delegate_cmds=prog_load,delegate_progs=any", catalog(K618)), found)
    effects = {g.name: g.effect for g in result.missing}
    assert effects["map_create"] == (
        "BPF_MAP_CREATE of map locked fails with EPERM and libbpf stops"
    )
    assert effects["btf_load"] == (
        "map locked (its value holds bpf_spin_lock: created only with BTF) cannot be created: "
        "the kernel refuses it without BTF"
    )
    assert effects["cgroup_inet_ingress"].startswith("BPF_PROG_LOAD of program count")
    surplus = {g.name: g.effect for g in result.surplus}
    assert "lsm" in surplus["any"]


BUILT = ("xdp_count", "cgroup_maps", "socket_sock", "tp_btf_kconfig", "tcx_ingress",
         "spin_lock", "legacy_maps")  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(BUILT), min_size=1, max_size=5), st.randoms())
def test_a_union_needs_what_each_needs_in_any_order(names: list[str], rng: object) -> None:
    objects = [obj for name in names for obj in find_objects(build(name))]
    whole = derive(objects, catalog(K618), TABLE)
    shuffled = list(objects)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    again = derive(shuffled, catalog(K618), TABLE)
    as_sets = {kind: set(bits) for kind, bits in whole.bits().items()}
    assert as_sets == {kind: set(bits) for kind, bits in again.bits().items()}
    for obj in objects:
        for kind, bits in derive([obj], catalog(K618), TABLE).bits().items():
            assert set(bits) <= as_sets[kind]
    # The union is itself a valid option string for the kernel, and canonical once parsed.
    text = str(parse(whole.option_string(), catalog(K618)))
    assert str(parse(text, catalog(K618))) == text


def test_shipped_tables_are_what_libbpf_source_says() -> None:
    """With a libbpf git history (DELEGOPTS_LIBBPF_GIT, a git directory with its release
    tags), every release's rows and facts are remade from src/libbpf.c and src/features.c
    at its tag, as tools/gen_libbpf_sections.py reads them."""
    import importlib.util
    import json
    import os
    import subprocess

    git_dir = os.environ.get("DELEGOPTS_LIBBPF_GIT")
    if not git_dir:
        pytest.skip("set DELEGOPTS_LIBBPF_GIT to a libbpf git directory with its release tags")
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gen", root / "tools/gen_libbpf_sections.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    shipped = json.loads((root / "delegopts/derive/libbpf_sections.json").read_text())

    def show(tag: str, path: str) -> str:
        return subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{path}"],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip

    for entry, facts in shipped["facts"].items():
        for release in facts["covers"]:
            tag = release.split("@")[1] if "@" in release else f"v{release}"
            source = show(tag, "src/libbpf.c")
            assert tool.table(source) == shipped["releases"][entry], release
            made = tool.facts(source, show(tag, "src/features.c"))
            assert made == {k: v for k, v in facts.items() if k != "covers"}, release
