#include <stdio.h>
/* Asks one question, then waits for an answer to a question it never
   asked: both sides wait, idle, until the wall time limit. */
int main(void) {
	long n;
	char r[8];
	if (scanf("%ld", &n) != 1)
		return 0;
	printf("? %ld\n", n);
	fflush(stdout);
	scanf("%7s", r);
	scanf("%7s", r);
	return 0;
}
