#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Allocates and touches 512 MiB, a page at a time. */
int main(void) {
	size_t total = 512u << 20;
	char *p = malloc(total);
	if (!p) return 3;
	for (size_t i = 0; i < total; i += 4096) p[i] = 1;
	printf("%d\n", p[total - 4096]);
	return 0;
}
