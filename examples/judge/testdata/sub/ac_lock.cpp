#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <iostream>
// Concurrent runs share inodes: the test's input (stdin) and the system
// files (/usr/bin/gcc). A lock or a watch on one is seen by every other
// run: a covert channel. Prints the sum only if no lock or watch could be
// had; "LEAKED" and what worked otherwise.
static const char *leak(int fd) {
	struct flock fl{};
	fl.l_type = F_RDLCK;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) return "flock";
	if (fcntl(fd, F_SETLK, &fl) == 0) return "F_SETLK";
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return "F_OFD_SETLK";
	return nullptr;
}
int main() {
	int gcc = open("/usr/bin/gcc", O_RDONLY);
	const char *how = leak(0);
	if (!how && gcc >= 0) how = leak(gcc);
	if (!how && inotify_init1(0) >= 0) how = "inotify";
	if (how) {
		std::cout << "LEAKED " << how << "\n";
		return 0;
	}
	long long n, x, s = 0;
	std::cin >> n;
	for (long long i = 0; i < n && std::cin >> x; i++) s += x;
	std::cout << s << "\n";
}
