#include <iostream>
// Forgets the last number.
int main() {
	long long n, x, s = 0;
	std::cin >> n;
	for (long long i = 0; i + 1 < n && std::cin >> x; i++) s += x;
	std::cout << s << "\n";
}
