import socket
import sys

# Prints the sum only if no connection could be made; "PWNED" otherwise.
for addr in [("1.1.1.1", 80), ("127.0.0.1", 47391)]:
    try:
        socket.create_connection(addr, timeout=2).close()
    except OSError:
        continue
    print("PWNED")
    sys.exit(0)
data = sys.stdin.read().split()
n = int(data[0])
print(sum(int(x) for x in data[1 : n + 1]))
