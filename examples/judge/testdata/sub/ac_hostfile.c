#include <stdio.h>
/* Prints the sum only if no host file could be read; "LEAKED" otherwise. */
int main(void) {
	const char *paths[] = {"/tmp/sandboxkit-judge-secret", "/etc/shadow", "/root/.bashrc"};
	long long n, x, s = 0;
	for (int i = 0; i < 3; i++) {
		FILE *f = fopen(paths[i], "r");
		if (f) {
			puts("LEAKED");
			return 0;
		}
	}
	if (scanf("%lld", &n) != 1) return 1;
	while (n-- > 0 && scanf("%lld", &x) == 1) s += x;
	printf("%lld\n", s);
	return 0;
}
