import fcntl
import os
import sys

# Concurrent runs share inodes: the test's input (stdin) and the system
# files (/usr/bin/gcc). A lock on one is seen by every other run: a covert
# channel. Prints the sum only if no lock could be had; "LEAKED" otherwise.
fds = [0, os.open("/usr/bin/gcc", os.O_RDONLY)]
for fd in fds:
    for how, take in [
        ("flock", lambda: fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)),
        ("lockf", lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)),
    ]:
        try:
            take()
        except OSError:
            continue
        print("LEAKED", how)
        sys.exit(0)
data = sys.stdin.read().split()
n = int(data[0])
print(sum(int(x) for x in data[1 : n + 1]))
