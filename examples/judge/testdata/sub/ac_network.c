#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
/* Prints the sum only if no connection could be made; "PWNED" otherwise. */
static int reach(const char *ip, int port) {
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) return 0;
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}
int main(void) {
	long long n, x, s = 0;
	if (reach("1.1.1.1", 80) || reach("127.0.0.1", 47391)) {
		puts("PWNED");
		return 0;
	}
	if (scanf("%lld", &n) != 1) return 1;
	while (n-- > 0 && scanf("%lld", &x) == 1) s += x;
	printf("%lld\n", s);
	return 0;
}
