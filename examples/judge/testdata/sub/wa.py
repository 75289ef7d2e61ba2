import sys

# Prints the count instead of the sum.
data = sys.stdin.read().split()
print(int(data[0]))
