// The smallest libbpf application: open an object and load it (libbpf makes the token
// from LIBBPF_BPF_TOKEN_PATH itself). Built against one Debian suite's libbpf, to prove
// what that release of libbpf needs; further arguments (a pin folder) are ignored.
#include <errno.h>
#include <stdio.h>
#include <bpf/libbpf.h>
int main(int argc, char **argv)
{
	struct bpf_object *obj;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT [IGNORED...]\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "cannot open %s: %d\n", argv[1], -errno);
		return 1;
	}
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	if (err) {
		fprintf(stderr, "libbpf %s cannot load %s: %d\n", libbpf_version_string(), argv[1], err);
		return 1;
	}
	printf("libbpf %s loaded %s\n", libbpf_version_string(), argv[1]);
	return 0;
}
