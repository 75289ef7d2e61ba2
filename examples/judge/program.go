//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// The compile step writes into a directory the sandbox's user owns, and
// whatever ran there may have left anything in it: a symbolic link to a
// host file in place of the program, a FIFO that blocks whoever opens it,
// a directory, a file it keeps changing. So the run step never sees that
// directory. takeProgram copies the program out of it, by descriptor and
// without following any link, into a directory of root's, where the copy
// is owned by root and read-only (mode 0555): nothing the submission runs
// as can change the program between the compile and the runs, or during
// them.

// badProgram says why the compile step's output is not a program: the
// submission's fault (a compile error), not the judge's.
type badProgram struct{ reason string }

func (e *badProgram) Error() string { return e.reason }

// takeProgram copies the regular file name of w.out to w.bin, mode 0555.
func takeProgram(w workDir, name string) error {
	// w.out itself is safe to open by path: its parent, w.root, is root's
	// and mode 0700; only what is inside is the compile step's.
	dir, err := unix.Open(w.out, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the compile output: %w", err)
	}
	defer unix.Close(dir)
	// O_NOFOLLOW: a symbolic link fails (ELOOP); O_NONBLOCK: a FIFO opens
	// without waiting for a writer, and fstat then refuses it.
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ELOOP):
		return &badProgram{name + " is a symbolic link"}
	case errors.Is(err, unix.ENOENT):
		return &badProgram{"no " + name}
	case errors.Is(err, unix.ENXIO), errors.Is(err, unix.EACCES):
		return &badProgram{name + " cannot be read"}
	case err != nil:
		return fmt.Errorf("opening %s: %w", name, err)
	}
	src := os.NewFile(uintptr(fd), name)
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return &badProgram{name + " is not a regular file"}
	}
	if st.Size > compileOutput {
		return &badProgram{fmt.Sprintf("%s is larger than %d bytes", name, compileOutput)}
	}
	dst, err := os.OpenFile(filepath.Join(w.bin, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o500)
	if err != nil {
		return err
	}
	// The size is checked again while copying: nothing should write to
	// the file any more, but the judge does not depend on it.
	n, err := io.Copy(dst, io.LimitReader(src, compileOutput+1))
	if err == nil && n > compileOutput {
		err = &badProgram{fmt.Sprintf("%s is larger than %d bytes", name, compileOutput)}
	}
	if err == nil {
		err = dst.Chmod(0o555) // not through the umask
	}
	return errors.Join(err, dst.Close())
}
