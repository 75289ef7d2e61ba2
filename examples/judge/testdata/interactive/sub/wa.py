# Binary search, then answers one more than the number.
import sys

n = int(sys.stdin.readline())
lo, hi = 1, n
while lo < hi:
    mid = (lo + hi) // 2
    print("?", mid, flush=True)
    r = sys.stdin.readline().strip()
    if r == "=":
        lo = mid
        break
    if r == "<":
        hi = mid - 1
    elif r == ">":
        lo = mid + 1
    else:
        sys.exit(0)
print("!", lo + 1, flush=True)
