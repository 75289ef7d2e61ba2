# An uncaught exception: exit code 1.
raise RuntimeError("boom")
