#include <fstream>
#include <iostream>
// Prints the sum only if no host file could be read; "LEAKED" otherwise.
int main() {
	for (const char *p : {"/tmp/sandboxkit-judge-secret", "/etc/shadow", "/root/.bashrc"}) {
		std::ifstream f(p);
		if (f.is_open()) {
			std::cout << "LEAKED\n";
			return 0;
		}
	}
	long long n, x, s = 0;
	std::cin >> n;
	for (long long i = 0; i < n && std::cin >> x; i++) s += x;
	std::cout << s << "\n";
}
