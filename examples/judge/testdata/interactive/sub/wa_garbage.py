# Writes lines that are neither questions nor answers, forever: the
# interactor's wrong answer comes first, then our BrokenPipeError (exit 1).
while True:
    print("hello", flush=True)
