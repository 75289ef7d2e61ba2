# Asks two questions and exits without answering.
import sys

n = int(sys.stdin.readline())
for _ in range(2 if n > 1 else 0):
    print("?", n // 2, flush=True)
    sys.stdin.readline()
