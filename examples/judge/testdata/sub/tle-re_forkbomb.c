#include <unistd.h>
/* Forks forever; every child does the same. */
int main(void) {
	for (;;) fork();
}
