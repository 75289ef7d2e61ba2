#include <sys/stat.h>
#include <unistd.h>
#include <iostream>
// The program the judge runs must be its own copy, owned by root and
// read-only: then nothing running as the submission's user can change it
// between the compile and the runs. Prints the sum only if this program
// cannot change its own executable; "PWNED" and what worked otherwise.
int main(int argc, char **argv) {
	struct stat st;
	const char *how = nullptr;
	if (argc < 1 || stat(argv[0], &st) != 0) how = "no executable to check";
	else if (st.st_uid == getuid()) how = "owned by the run's uid";
	else if (st.st_mode & 07222) how = "writable or set-id mode";
	else if (chmod(argv[0], 0777) == 0) how = "chmod";
	if (how) {
		std::cout << "PWNED " << how << "\n";
		return 0;
	}
	long long n, x, s = 0;
	std::cin >> n;
	for (long long i = 0; i < n && std::cin >> x; i++) s += x;
	std::cout << s << "\n";
}
