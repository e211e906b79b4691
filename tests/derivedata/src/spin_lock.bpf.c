// A map whose value holds a bpf_spin_lock: the kernel creates it only with the map's BTF.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct value {
	struct bpf_spin_lock lock;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} locked SEC(".maps");

SEC("tc")
int count(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct value *value = bpf_map_lookup_elem(&locked, &key);

	if (value) {
		bpf_spin_lock(&value->lock);
		value->count++;
		bpf_spin_unlock(&value->lock);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
