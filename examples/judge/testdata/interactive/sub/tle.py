# Asks one question, then waits for an answer to a question it never
# asked: both sides wait, idle, until the wall time limit.
import sys

n = int(sys.stdin.readline())
print("?", n, flush=True)
sys.stdin.readline()
sys.stdin.readline()
