/* The kernel's own rate of checking bpffs option strings: for each line of a file, mount
 * bpffs with it as mount(2) data, read /proc/self/mountinfo (where the kernel renders the
 * options), unmount. bench/bench_format.py compiles and runs it as root.
 *
 *     trial_mounts DIRECTORY FILE      prints how many strings it tried
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char line[1 << 16], buf[1 << 16];
	unsigned long tried = 0;
	FILE *in;

	if (argc != 3 || !(in = fopen(argv[2], "r"))) {
		fprintf(stderr, "usage: trial_mounts DIRECTORY FILE\n");
		return 2;
	}
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = 0;
		tried++;
		if (mount("bpffs", argv[1], "bpf", 0, line) != 0)
			continue;
		int fd = open("/proc/self/mountinfo", O_RDONLY);
		while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
			;
		if (fd >= 0)
			close(fd);
		if (umount2(argv[1], 0) != 0) {
			perror("umount2");
			return 1;
		}
	}
	printf("%lu\n", tried);
	return 0;
}
