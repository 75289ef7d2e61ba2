// A loop with a side effect: C++ may assume side-effect-free loops end.
int main() {
	volatile unsigned long spin = 0;
	for (;;) spin = spin + 1;
}
