import sys

# Prints the sum only if no host file could be read; "LEAKED" otherwise.
for path in ["/tmp/sandboxkit-judge-secret", "/etc/shadow", "/root/.bashrc"]:
    try:
        open(path).close()
    except OSError:
        continue
    print("LEAKED")
    sys.exit(0)
data = sys.stdin.read().split()
n = int(data[0])
print(sum(int(x) for x in data[1 : n + 1]))
