// A kprobe with a legacy map definition (section maps/NAME, struct bpf_map_def), as
// loaders before libbpf 1.0 read them; no .BTF (built without -g).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps/calls") calls = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

SEC("kprobe/do_sys_openat2")
int count_opens(void *ctx)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&calls, &key);

	if (value)
		*value += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
