// A program in a static function: libbpf 1.0 and later refuse to load it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
static int hidden(struct __sk_buff *skb)
{
	return 0;
}

SEC("socket")
int shown(struct __sk_buff *skb)
{
	return hidden(skb);
}

char LICENSE[] SEC("license") = "GPL";
