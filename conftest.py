"""What the doctests in delegopts/ share: a tiny kernel catalog built in code.

``tiny_catalog`` knows a few names of each enum (bit numbers as in real kernels) and the
``bpf_mount_opts`` members of a kernel with delegation, so an example reads like a real
run without loading a kernel's BTF.
"""

from __future__ import annotations

from typing import Any

import pytest

from delegopts.btf.writer import EnumSpec, StructSpec, write_btf
from delegopts.catalog import Catalog

TINY_BTF = write_btf([
    EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5),
                         ("BPF_PROG_TEST_RUN", 10), ("BPF_PROG_RUN", 10),
                         ("BPF_BTF_LOAD", 18), ("__MAX_BPF_CMD", 19)]),
    EnumSpec("bpf_map_type", [("BPF_MAP_TYPE_UNSPEC", 0), ("BPF_MAP_TYPE_HASH", 1),
                              ("BPF_MAP_TYPE_ARRAY", 2), ("__MAX_BPF_MAP_TYPE", 3)]),
    EnumSpec("bpf_prog_type", [("BPF_PROG_TYPE_UNSPEC", 0), ("BPF_PROG_TYPE_KPROBE", 2),
                               ("BPF_PROG_TYPE_XDP", 6), ("__MAX_BPF_PROG_TYPE", 7)]),
    EnumSpec("bpf_attach_type", [("BPF_CGROUP_INET_INGRESS", 0), ("BPF_XDP", 37),
                                 ("__MAX_BPF_ATTACH_TYPE", 38)]),
    StructSpec("bpf_mount_opts", ["uid", "gid", "mode", "delegate_cmds", "delegate_maps",
                                  "delegate_progs", "delegate_attachs"]),
])  # fmt: skip


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["tiny_catalog"] = Catalog.from_bytes(TINY_BTF, label="tiny")
