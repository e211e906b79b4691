// A TCP congestion control as struct_ops: each program is loaded with the index of its
// member in the kernel's struct tcp_congestion_ops as expected attach type.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	char name[16];
};

SEC("struct_ops/dlg_ssthresh")
__u32 dlg_ssthresh(unsigned long long *ctx)
{
	return 2;
}

SEC("struct_ops/dlg_cong_avoid")
void dlg_cong_avoid(unsigned long long *ctx)
{
}

SEC("struct_ops/dlg_undo_cwnd")
__u32 dlg_undo_cwnd(unsigned long long *ctx)
{
	return 10;
}

SEC(".struct_ops")
struct tcp_congestion_ops delegopts_cc = {
	.ssthresh = (void *)dlg_ssthresh,
	.cong_avoid = (void *)dlg_cong_avoid,
	.undo_cwnd = (void *)dlg_undo_cwnd,
	.name = "delegopts_cc",
};

char LICENSE[] SEC("license") = "GPL";
