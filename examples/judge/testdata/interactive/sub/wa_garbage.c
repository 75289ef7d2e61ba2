#include <stdio.h>
/* Writes lines that are neither questions nor answers, forever: the
   interactor's wrong answer comes first, then our SIGPIPE. */
int main(void) {
	for (;;) {
		puts("hello");
		fflush(stdout);
	}
}
