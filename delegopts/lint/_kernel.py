"""What the kernel checks when a token is used, read off kernel/bpf/token.c and syscall.c.

- ``bpf_token_create()`` needs any of the four masks non-zero; it never reads
  ``delegate_cmds`` (so ``token_create`` in it changes nothing).
- ``map_create()``: ``bpf_token_allow_cmd(MAP_CREATE)`` and ``bpf_token_allow_map_type()``.
- ``bpf_prog_load()``: ``bpf_token_allow_cmd(PROG_LOAD)`` and ``bpf_token_allow_prog_type()``,
  which needs *both* the program type bit and the bit of ``expected_attach_type``. Before
  that, ``bpf_prog_load_fixup_attach_type()`` turns 0 into ``cgroup_inet_sock_create``
  (cgroup_sock) and ``sk_reuseport_select`` (sk_reuseport); any other load without an
  attach type asks for 0, ``cgroup_inet_ingress``.
- ``bpf_btf_load()``: ``BTF_LOAD``; newer kernels also ``BTF_GET_FD_BY_ID``. No other command
  looks at a token.
- ``is_perfmon_prog_type()`` lists the types that need CAP_PERFMON, ``is_net_admin_prog_type()``
  those that need CAP_NET_ADMIN; with a token both are checked in its user namespace.

What a token grants is the *load*: tests/test_lint_live.py shows on 6.18.44 that a token
with kprobe, tracepoint, perf_event or raw_tracepoint delegated loads a program calling
``bpf_probe_read_kernel()``. Attaching is checked separately (``perf_event_open()`` for
kprobe/tracepoint/perf_event programs has its own host checks); :data:`READS_KERNEL` says
what a program of each type does once attached.
"""

from __future__ import annotations

from delegopts._namedtuple import NamedTuple

__all__ = [
    "ATTACH_NEEDS",
    "CMD_BITS",
    "GATED_CMDS",
    "NET_ADMIN_PROGS",
    "READS_KERNEL",
    "READS_KERNEL_VALUES",
    "AttachNeeds",
]

#: ``enum bpf_cmd`` values are UAPI: fixed on every kernel, with or without BTF.
CMD_BITS = {"map_create": 0, "prog_load": 5, "btf_load": 18, "btf_get_fd_by_id": 19,
            "token_create": 36}  # fmt: skip
#: The commands that consult a token (bpf_token_allow_cmd callers).
GATED_CMDS = frozenset({"map_create", "prog_load", "btf_load", "btf_get_fd_by_id"})


class AttachNeeds(NamedTuple):
    """The attach types a program type can be loaded with.

    ``default`` is what a load without ``expected_attach_type`` asks for (None: such a load
    is refused by ``bpf_prog_load_check_attach`` or the verifier); ``named`` are the ones a
    loader (libbpf) names for it.
    """

    default: str | None
    named: tuple[str, ...] = ()


_INGRESS = "cgroup_inet_ingress"
_SOCK_ADDR = ("cgroup_inet4_bind", "cgroup_inet6_bind", "cgroup_inet4_connect",
              "cgroup_inet6_connect", "cgroup_unix_connect", "cgroup_inet4_getpeername",
              "cgroup_inet6_getpeername", "cgroup_unix_getpeername", "cgroup_inet4_getsockname",
              "cgroup_inet6_getsockname", "cgroup_unix_getsockname", "cgroup_udp4_sendmsg",
              "cgroup_udp6_sendmsg", "cgroup_unix_sendmsg", "cgroup_udp4_recvmsg",
              "cgroup_udp6_recvmsg", "cgroup_unix_recvmsg")  # fmt: skip
ATTACH_NEEDS: dict[str, AttachNeeds] = {
    # bpf_prog_load_check_attach(): a fixed list, 0 refused or rewritten by the fixup.
    "cgroup_sock": AttachNeeds("cgroup_inet_sock_create", ("cgroup_inet_sock_release",
                               "cgroup_inet4_post_bind", "cgroup_inet6_post_bind")),
    "cgroup_sock_addr": AttachNeeds(None, _SOCK_ADDR),
    "cgroup_skb": AttachNeeds(_INGRESS, ("cgroup_inet_egress",)),
    "cgroup_sockopt": AttachNeeds(None, ("cgroup_getsockopt", "cgroup_setsockopt")),
    "sk_lookup": AttachNeeds(None, ("sk_lookup",)),
    "sk_reuseport": AttachNeeds("sk_reuseport_select", ("sk_reuseport_select_or_migrate",)),
    "netfilter": AttachNeeds(None, ("netfilter",)),
    "syscall": AttachNeeds(_INGRESS),  # expected_attach_type must be 0
    "ext": AttachNeeds(_INGRESS),  # expected_attach_type must be 0
    # The verifier (check_attach_btf_id) wants one of these for BTF-attached programs.
    "tracing": AttachNeeds(None, ("trace_raw_tp", "trace_fentry", "trace_fexit",
                                  "modify_return", "trace_iter", "trace_fsession",
                                  "trace_fentry_multi", "trace_fexit_multi",
                                  "trace_fsession_multi")),
    "lsm": AttachNeeds(None, ("lsm_mac", "lsm_cgroup")),
    # Any attach type is accepted; 0 unless the loader names one.
    "socket_filter": AttachNeeds(_INGRESS),
    "kprobe": AttachNeeds(_INGRESS, ("trace_kprobe_multi", "trace_uprobe_multi",
                                     "trace_kprobe_session", "trace_uprobe_session")),
    "sched_cls": AttachNeeds(_INGRESS, ("tcx_ingress", "tcx_egress", "netkit_primary",
                                        "netkit_peer")),
    "sched_act": AttachNeeds(_INGRESS),
    "tracepoint": AttachNeeds(_INGRESS),
    "xdp": AttachNeeds(_INGRESS, ("xdp", "xdp_devmap", "xdp_cpumap")),
    "perf_event": AttachNeeds(_INGRESS, ("perf_event",)),
    "lwt_in": AttachNeeds(_INGRESS),
    "lwt_out": AttachNeeds(_INGRESS),
    "lwt_xmit": AttachNeeds(_INGRESS),
    "lwt_seg6local": AttachNeeds(_INGRESS),
    "sock_ops": AttachNeeds(_INGRESS, ("cgroup_sock_ops",)),
    "sk_skb": AttachNeeds(_INGRESS, ("sk_skb_stream_parser", "sk_skb_stream_verdict",
                                     "sk_skb_verdict")),
    "cgroup_device": AttachNeeds(_INGRESS, ("cgroup_device",)),
    "sk_msg": AttachNeeds(_INGRESS, ("sk_msg_verdict",)),
    "raw_tracepoint": AttachNeeds(_INGRESS),
    "raw_tracepoint_writable": AttachNeeds(_INGRESS),
    "lirc_mode2": AttachNeeds(_INGRESS, ("lirc_mode2",)),
    "flow_dissector": AttachNeeds(_INGRESS, ("flow_dissector",)),
    "cgroup_sysctl": AttachNeeds(_INGRESS, ("cgroup_sysctl",)),
}  # fmt: skip

#: Program types ``is_perfmon_prog_type()`` lists, and why each one is a risk. A token makes
#: the CAP_PERFMON check pass with the container's own user-namespace capabilities.
READS_KERNEL: dict[str, str] = {
    "kprobe": "runs at any kernel or user function of the host and reads kernel memory "
    "(bpf_probe_read_kernel)",
    "tracepoint": "runs at kernel tracepoints for every process of the host and reads "
    "kernel memory",
    "perf_event": "runs on perf events of any CPU and reads kernel memory",
    "raw_tracepoint": "gets raw kernel pointers at tracepoints of the host and reads kernel memory",
    "raw_tracepoint_writable": "as raw_tracepoint, and writes tracepoint buffers",
    "tracing": "fentry/fexit/fmod_ret at any kernel function: reads kernel memory and can "
    "change return values",
    "lsm": "runs at LSM hooks for every process of the host and can deny their access",
    "struct_ops": "implements kernel ops tables (TCP congestion control, sched_ext) run for "
    "every socket or task; it can reach struct sock",
    "ext": "freplace: replaces functions of other BPF programs, of any type",
}

#: The UAPI values of those types (``enum bpf_prog_type`` is ABI): for kernels without BTF.
READS_KERNEL_VALUES = {"kprobe": 2, "tracepoint": 5, "perf_event": 7, "raw_tracepoint": 17,
                       "raw_tracepoint_writable": 24, "tracing": 26, "struct_ops": 27,
                       "ext": 28, "lsm": 29}  # fmt: skip

#: ``is_net_admin_prog_type()``: these need CAP_NET_ADMIN, checked in the token's namespace.
NET_ADMIN_PROGS = frozenset({
    "sched_cls", "sched_act", "xdp", "lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local",
    "sk_skb", "sk_msg", "flow_dissector", "cgroup_device", "cgroup_sock", "cgroup_sock_addr",
    "cgroup_sockopt", "cgroup_sysctl", "sock_ops", "ext", "netfilter",
})  # fmt: skip
