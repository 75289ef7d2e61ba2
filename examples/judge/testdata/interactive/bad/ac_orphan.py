# An honest interactor that first leaves a child behind, sleeping and
# holding both pipes. The child dies with the interactor's sandbox (its PID
# namespace ends with the interactor): the verdict is AC and nothing is left.
import os
import sys
import time

if os.fork() == 0:
    time.sleep(3600)
    sys.exit(0)

with open(sys.argv[1]) as test:
    n, x = map(int, test.read().split())
print(n, flush=True)
while True:
    words = sys.stdin.readline(64).split()
    if len(words) != 2 or not words[1].isdigit():
        sys.exit(1)
    y = int(words[1])
    if words[0] == "!":
        sys.exit(0 if y == x else 1)
    print("<" if x < y else ">" if x > y else "=", flush=True)
