package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// The bundle's view of the sandbox's files, read from the host before
// runsc starts: what Native finds out in the child (a working directory
// that does not exist, a command that is not there) is found out here, so
// that Start fails the same way, with the same errors. runsc would not:
// its Gofer creates a missing working directory, and a missing command
// fails only inside `runsc run`.

// errViewUnknown says that a path lies in a file system the Sentry makes
// (/proc, /dev, /sys): runsc decides.
var errViewUnknown = errors.New("a path the Sentry provides")

// stat returns what the sandbox path p is, following symbolic links inside
// the view.
func (b *bundle) stat(p string) (fs.FileInfo, error) {
	links := 0
	rest := strings.Split(inner(p), "/")
	cur := "/"
	for len(rest) > 0 {
		comp := rest[0]
		rest = rest[1:]
		if comp == "" || comp == "." {
			continue
		}
		next := path.Join(cur, comp)
		h, err := b.hostPath(next)
		if err != nil {
			return nil, err
		}
		fi, err := os.Lstat(h)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if links++; links > maxSymlinks {
				return nil, syscall.ELOOP
			}
			target, err := os.Readlink(h)
			if err != nil {
				return nil, err
			}
			if !path.IsAbs(target) {
				target = path.Join(cur, target)
			}
			rest = append(strings.Split(inner(target), "/"), rest...)
			cur = "/"
			continue
		}
		if len(rest) > 0 && !fi.IsDir() {
			return nil, syscall.ENOTDIR
		}
		cur = next
	}
	h, err := b.hostPath(cur)
	if err != nil {
		return nil, err
	}
	return os.Stat(h)
}

// hostPath returns the host file that shows as the sandbox path p: below
// the mount with the longest destination that holds p, or in the
// skeleton. A tmpfs starts empty but for its mount point.
func (b *bundle) hostPath(p string) (string, error) {
	for i := len(b.spec.Mounts) - 1; i >= 0; i-- { // a later mount covers an earlier one
		m := b.spec.Mounts[i]
		rel, ok := cutPrefix(p, m.Destination)
		if !ok {
			continue
		}
		switch m.Type {
		case "bind":
			return filepath.Join(m.Source, rel), nil
		case "tmpfs":
			if m.Destination == "/dev" {
				return "", errViewUnknown
			}
			if rel == "" {
				return b.skel(m.Destination), nil
			}
			return "", fs.ErrNotExist
		default:
			return "", errViewUnknown
		}
	}
	if p == "/sys" || strings.HasPrefix(p, "/sys/") {
		return "", errViewUnknown // runsc adds its own sysfs
	}
	return b.skel(p), nil
}

// cutPrefix returns p below dir ("" for dir itself).
func cutPrefix(p, dir string) (string, bool) {
	if p == dir {
		return "", true
	}
	rest, ok := strings.CutPrefix(p, dir+"/")
	return rest, ok
}

// checkStart finds out, as Native's child would, whether the command's
// working directory and the command exist.
func (b *bundle) checkStart(cmd *command) error {
	dir := cmd.dir
	if dir == "" {
		dir = "/"
	}
	if fi, err := b.stat(dir); err == nil && !fi.IsDir() {
		return &SetupError{Stage: "chdir", Index: -1, Path: dir, Err: syscall.ENOTDIR}
	} else if err != nil && !errors.Is(err, errViewUnknown) {
		return &SetupError{Stage: "chdir", Index: -1, Path: dir, Err: err}
	}
	var last error
	for _, cand := range cmd.candidates {
		if !path.IsAbs(cand) {
			cand = path.Join(dir, cand)
		}
		fi, err := b.stat(cand)
		switch {
		case errors.Is(err, errViewUnknown):
			return nil
		case err == nil && !fi.IsDir():
			return nil
		case err == nil:
			err = syscall.EACCES // execve of a directory
		}
		last = err
	}
	serr := &SetupError{Stage: "execve", Index: -1, Path: cmd.name, Err: last}
	if errors.Is(last, fs.ErrNotExist) {
		serr.Err = fmt.Errorf("%w: %w", ErrCommandNotFound, last)
	}
	return serr
}
