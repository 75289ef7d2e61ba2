# Asks one question, then raises: RE(exit 1).
import sys

n = int(sys.stdin.readline())
print("?", n, flush=True)
sys.stdin.readline()
raise RuntimeError("gave up")
