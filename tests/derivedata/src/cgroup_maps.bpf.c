// A cgroup_skb egress program reading a map-in-map (hash of LRU hashes) and a ring buffer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("cgroup_skb/egress")
int egress(struct __sk_buff *skb)
{
	__u32 key = 0;
	void *inner = bpf_map_lookup_elem(&outer, &key);

	if (inner)
		bpf_map_lookup_elem(inner, &key);
	bpf_ringbuf_output(&events, &key, sizeof(key), 0);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
