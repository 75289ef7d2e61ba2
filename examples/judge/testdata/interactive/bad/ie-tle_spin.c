/* An interactor that reads the first question and then loops forever. Its
   CPU time limit ends the run (IE) and the waiting solution is killed with
   it -- unless the solution's wall limit comes first (TLE): two clocks, one
   CPU time and one real time, race, and on a loaded machine the CPU time
   comes slowly. Either way the run ends within the solution's wall limit. */
#include <stdio.h>

int main(int argc, char **argv) {
	long n, x;
	char line[64];
	FILE *test = argc > 1 ? fopen(argv[1], "r") : NULL;
	volatile unsigned long spin = 0;
	if (!test || fscanf(test, "%ld %ld", &n, &x) != 2)
		return 3;
	printf("%ld\n", n);
	fflush(stdout);
	fgets(line, sizeof line, stdin);
	for (;;)
		spin++;
}
