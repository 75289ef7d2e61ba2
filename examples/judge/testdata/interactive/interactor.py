# Guess the number: the interactor. argv[1] is the test, "n x".
import sys


def wrong(why):
    print("wrong answer:", why, file=sys.stderr)
    sys.exit(1)


with open(sys.argv[1]) as test:
    n, x = map(int, test.read().split())
print(n, flush=True)
questions = 0
while True:
    # Bounded reads: a flood is a wrong answer, not our memory.
    words = sys.stdin.readline(64).split()
    if not words:
        wrong("no answer")
    if len(words) != 2 or words[0] not in ("?", "!") or not words[1].isdigit():
        wrong("neither a question nor an answer")
    y = int(words[1])
    if words[0] == "!":
        if y != x:
            wrong("not the number")
        sys.exit(0)
    questions += 1
    if questions > 30:
        wrong("more than 30 questions")
    if not 1 <= y <= n:
        wrong("question out of range")
    print("<" if x < y else ">" if x > y else "=", flush=True)
