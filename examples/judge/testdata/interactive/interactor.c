/* Guess the number: the interactor. argv[1] is the test, "n x". */
#include <stdio.h>
#include <stdlib.h>

static void wrong(const char *why) {
	fprintf(stderr, "wrong answer: %s\n", why);
	exit(1);
}

int main(int argc, char **argv) {
	long n, x, y;
	int questions = 0;
	char line[64];
	FILE *test = argc > 1 ? fopen(argv[1], "r") : NULL;
	if (!test || fscanf(test, "%ld %ld", &n, &x) != 2) {
		fprintf(stderr, "cannot read the test\n");
		return 3;
	}
	printf("%ld\n", n);
	fflush(stdout);
	for (;;) {
		/* Bounded reads: a flood is a wrong answer, not our memory. */
		if (!fgets(line, sizeof line, stdin))
			wrong("no answer");
		if (sscanf(line, "? %ld", &y) == 1) {
			if (++questions > 30)
				wrong("more than 30 questions");
			if (y < 1 || y > n)
				wrong("question out of range");
			puts(x < y ? "<" : x > y ? ">" : "=");
			fflush(stdout);
		} else if (sscanf(line, "! %ld", &y) == 1) {
			if (y != x)
				wrong("not the number");
			return 0;
		} else {
			wrong("neither a question nor an answer");
		}
	}
}
