#include <arpa/inet.h>
#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
// Prints the sum only if no connection could be made; "PWNED" otherwise.
static bool reach(const char *ip, int port) {
	sockaddr_in a{};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) return false;
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	bool ok = connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
	close(fd);
	return ok;
}
int main() {
	if (reach("1.1.1.1", 80) || reach("127.0.0.1", 47391)) {
		std::cout << "PWNED\n";
		return 0;
	}
	long long n, x, s = 0;
	std::cin >> n;
	for (long long i = 0; i < n && std::cin >> x; i++) s += x;
	std::cout << s << "\n";
}
