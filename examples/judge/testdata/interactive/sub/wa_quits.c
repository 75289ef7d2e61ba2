#include <stdio.h>
/* Asks two questions and exits without answering. */
int main(void) {
	long n;
	char r[8];
	if (scanf("%ld", &n) != 1)
		return 0;
	for (int i = 0; i < 2 && n > 1; i++) {
		printf("? %ld\n", n / 2);
		fflush(stdout);
		if (scanf("%7s", r) != 1)
			return 0;
	}
	return 0;
}
