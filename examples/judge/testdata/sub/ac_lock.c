#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>
/* Concurrent runs share inodes: the test's input (stdin) and the system
 * files (/usr/bin/gcc). A lock or a watch on one is seen by every other
 * run: a covert channel. Prints the sum only if no lock, lease or change
 * notification could be had; "LEAKED" and what worked otherwise. */
static const char *leak(int fd) {
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) return "flock";
	if (fcntl(fd, F_SETLK, &fl) == 0) return "F_SETLK";
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return "F_OFD_SETLK";
	/* the kernel reads the command's low 32 bits only */
	if (syscall(SYS_fcntl, fd, F_SETLK | (1L << 32), &fl) == 0) return "F_SETLK|1<<32";
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) return "F_SETLEASE";
	return NULL;
}
int main(void) {
	int gcc = open("/usr/bin/gcc", O_RDONLY), bin = open("/usr/bin", O_RDONLY | O_DIRECTORY);
	const char *how = leak(0);
	if (!how && gcc >= 0) how = leak(gcc);
	if (!how && bin >= 0 && fcntl(bin, F_NOTIFY, DN_ACCESS | DN_MULTISHOT) == 0) how = "F_NOTIFY";
	if (!how && inotify_init1(0) >= 0) how = "inotify";
	if (how) {
		printf("LEAKED %s\n", how);
		return 0;
	}
	long long n, x, s = 0;
	if (scanf("%lld", &n) != 1) return 1;
	while (n-- > 0 && scanf("%lld", &x) == 1) s += x;
	printf("%lld\n", s);
	return 0;
}
