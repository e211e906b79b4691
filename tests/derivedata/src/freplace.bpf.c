// An freplace program: it replaces a global function of another BPF program, whose BTF
// libbpf reads with BPF_BTF_GET_FD_BY_ID (through the token from libbpf 1.6 on).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("freplace/xdp_helper")
int new_helper(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
