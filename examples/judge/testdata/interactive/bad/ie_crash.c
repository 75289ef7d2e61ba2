/* An interactor that reads the first question and then writes through a
   null pointer: it failed (IE), whatever the solution does after. */
#include <stdio.h>

int main(int argc, char **argv) {
	long n, x;
	char line[64];
	FILE *test = argc > 1 ? fopen(argv[1], "r") : NULL;
	volatile int *p = 0;
	if (!test || fscanf(test, "%ld %ld", &n, &x) != 2)
		return 3;
	printf("%ld\n", n);
	fflush(stdout);
	fgets(line, sizeof line, stdin);
	*p = 42;
	return 0;
}
