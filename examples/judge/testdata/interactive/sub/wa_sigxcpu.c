#include <signal.h>
#include <stdio.h>
/*
 * Answers 0 at once (wrong), waits for the interactor's end (EOF), then
 * raises SIGXCPU, the signal of a CPU limit, having used none: the
 * interactor's verdict stands, WA, not TLE.
 */
int main(void) {
	long n;
	if (scanf("%ld", &n) != 1)
		return 0;
	printf("! 0\n");
	fflush(stdout);
	while (getchar() != EOF)
		;
	raise(SIGXCPU);
	return 0;
}
