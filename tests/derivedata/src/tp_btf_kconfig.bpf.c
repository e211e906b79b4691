// A tp_btf program and a uprobe reading kernel memory, with a __kconfig extern and .rodata.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __weak;
const volatile __u32 wanted_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} switches SEC(".maps");

SEC("tp_btf/sched_switch")
int on_switch(__u64 *ctx)
{
	__u32 key = LINUX_KERNEL_VERSION + wanted_pid + LINUX_HAS_BPF_COOKIE;
	__u64 one = 1;

	bpf_map_update_elem(&switches, &key, &one, BPF_ANY);
	return 0;
}

SEC("uprobe")
int on_call(void *ctx)
{
	__u64 value = 0;

	bpf_probe_read_kernel(&value, sizeof(value), ctx);
	return value == 0;
}

char LICENSE[] SEC("license") = "GPL";
