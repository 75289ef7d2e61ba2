package sandbox

import (
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// readSmallFile reads a file of a few KiB (an id map, an account
// database) with plain read(2) calls: the range's check runs once per
// process, and a one-shot such as sbx would pay at each file for the
// runtime's poller registration that os.ReadFile attempts.
func readSmallFile(file string) ([]byte, error) {
	return appendFile(make([]byte, 0, 4096), file)
}

// appendFile appends the content of file to b, reading until the end (a
// /proc file says it has no size), and returns the grown slice, which
// holds what was read even when it fails.
func appendFile(b []byte, file string) ([]byte, error) {
	fd, err := ignoringEINTR(func() (int, error) { return unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC, 0) })
	if err != nil {
		return b, &os.PathError{Op: "open", Path: file, Err: err}
	}
	defer unix.Close(fd)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, max(cap(b), 512))
		}
		n, err := ignoringEINTR(func() (int, error) { return unix.Read(fd, b[len(b):cap(b)]) })
		if err != nil {
			return b, &os.PathError{Op: "read", Path: file, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// ignoringEINTR calls f until it fails with something other than EINTR.
func ignoringEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}
