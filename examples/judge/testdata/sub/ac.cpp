#include <iostream>
int main() {
	long long n, x, s = 0;
	std::cin >> n;
	for (long long i = 0; i < n && std::cin >> x; i++) s += x;
	std::cout << s << "\n";
}
