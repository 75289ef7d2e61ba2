#include <stdio.h>
/* Asks one question, then writes through a null pointer: SIGSEGV. */
int main(void) {
	long n;
	char r[8];
	volatile int *p = 0;
	if (scanf("%ld", &n) != 1)
		return 0;
	printf("? %ld\n", n);
	fflush(stdout);
	scanf("%7s", r);
	*p = 42;
	return 0;
}
