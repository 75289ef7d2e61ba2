#include <iostream>
#include <vector>
// Allocates and touches 512 MiB.
int main() {
	std::vector<char> v(512u << 20, 1);
	std::cout << int(v[v.size() - 1]) << "\n";
}
