# Allocates and touches 512 MiB: the repetition writes every byte.
block = b"\x01" * (512 << 20)
print(block[-1])
