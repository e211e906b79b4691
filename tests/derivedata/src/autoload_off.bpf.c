// A socket filter, and a kprobe libbpf does not load unless the application asks it to
// (SEC("?..."); bpftool's loadall cannot pin such a program, so this one is not loaded).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int accept_all(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("?kprobe/do_nanosleep")
int maybe(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
