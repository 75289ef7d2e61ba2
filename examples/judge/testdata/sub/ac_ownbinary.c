#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
/* The program the judge runs must be its own copy, owned by root and
 * read-only: then nothing running as the submission's user (this run, or
 * anything else with that uid on the host) can change it between the
 * compile and the runs. Prints the sum only if this program cannot change
 * its own executable; "PWNED" and what worked otherwise. */
int main(int argc, char **argv) {
	struct stat st;
	const char *how = NULL;
	if (argc < 1 || stat(argv[0], &st) != 0) how = "no executable to check";
	else if (st.st_uid == getuid()) how = "owned by the run's uid";
	else if (st.st_mode & 07222) how = "writable or set-id mode";
	else if (chmod(argv[0], 0777) == 0) how = "chmod";
	if (how) {
		printf("PWNED %s\n", how);
		return 0;
	}
	long long n, x, s = 0;
	if (scanf("%lld", &n) != 1) return 1;
	while (n-- > 0 && scanf("%lld", &x) == 1) s += x;
	printf("%lld\n", s);
	return 0;
}
