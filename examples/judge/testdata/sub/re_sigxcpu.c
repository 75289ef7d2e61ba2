#include <signal.h>
/* Raises SIGXCPU, the signal of a CPU limit, having used none: RE, not TLE. */
int main(void) {
	raise(SIGXCPU);
	return 0;
}
