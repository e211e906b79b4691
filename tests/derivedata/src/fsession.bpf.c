// An fsession program (entry and exit in one; Linux 7.0 and later have its attach type).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("fsession/vfs_read")
int around_read(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
