import sys

line = "3" * 64 + "\n"
while True:
    sys.stdout.write(line * 1024)
