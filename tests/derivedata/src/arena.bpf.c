// An arena map: libbpf 1.7 then probes whether globals may sit at the arena's end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, 33); // BPF_MAP_TYPE_ARENA (headers before Linux 6.9 lack the name)
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); // pages
} arena SEC(".maps");

SEC("tc")
int pass(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
