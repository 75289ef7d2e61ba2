#include <stdio.h>
/* Binary search; gives up quietly if the interactor hangs up. */
int main(void) {
	long n, lo = 1, hi;
	char r[8];
	if (scanf("%ld", &n) != 1)
		return 0;
	hi = n;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		printf("? %ld\n", mid);
		fflush(stdout);
		if (scanf("%7s", r) != 1)
			return 0;
		if (r[0] == '=') {
			lo = mid;
			break;
		}
		if (r[0] == '<')
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	printf("! %ld\n", lo);
	fflush(stdout);
	return 0;
}
