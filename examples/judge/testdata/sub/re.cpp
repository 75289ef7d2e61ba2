#include <stdexcept>
// An uncaught exception: std::terminate, then SIGABRT.
int main() {
	throw std::runtime_error("boom");
}
