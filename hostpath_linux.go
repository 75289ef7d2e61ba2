package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// A host path handed to the sandbox (a Bind source, the Chroot directory)
// may pass through directories that untrusted code wrote: an earlier run's
// writable bind, a tree a compiler or an archive left. Such a path is
// resolved by openHost one component at a time, each opened with
// O_PATH|O_NOFOLLOW, so that every symbolic link is seen before it is
// followed; one is followed only when root or the embedding process's
// effective uid owns it (the rule of the kernel's fs.protected_symlinks).
// The result is a descriptor of what the path named, its fstat(2), and its
// physical path: absolute, without "..", ".", or any symbolic link, so that
// the child can open it again refusing every link (openat2 with
// RESOLVE_NO_SYMLINKS) and check it found the same file (child.NrSameFile).

// maxSymlinks is the kernel's limit on links followed in one resolution
// (MAXSYMLINKS, include/linux/namei.h).
const maxSymlinks = 40

// errRelative is openHost's error for a relative path (the planner makes
// every path absolute first).
var errRelative = errors.New("not an absolute path")

// hostFile is a host file resolved and checked by the parent.
type hostFile struct {
	path string // physical path: absolute, clean, through no symbolic link
	fd   int    // O_PATH descriptor; the caller closes it
	st   unix.Stat_t
	// rootOnly: every directory on the way is root's and writable by
	// nobody else, and every link followed is root's, so only root can
	// make path name another file.
	rootOnly bool
}

func (h *hostFile) mode() uint32 { return h.st.Mode & unix.S_IFMT }
func (h *hostFile) isDir() bool  { return h.mode() == unix.S_IFDIR }

// untrustedLinkError is the error of a symbolic link openHost refused; the
// *SetupError that wraps it names the link.
type untrustedLinkError struct {
	link string // its path on the host
	uid  uint32 // its owner
}

func (e *untrustedLinkError) Error() string {
	return fmt.Sprintf("%v (its owner is uid %d)", ErrUntrustedSymlink, e.uid)
}

func (e *untrustedLinkError) Unwrap() error { return ErrUntrustedSymlink }

// errPath returns the path an openHost error is about: the refused link,
// or else p.
func errPath(err error, p string) string {
	if le, ok := err.(*untrustedLinkError); ok {
		return le.link
	}
	return p
}

// trustedOwner says whether a symbolic link owned by uid may be followed.
func trustedOwner(uid uint32) bool { return uid == 0 || uid == uint32(os.Geteuid()) }

// openHost resolves the absolute path p (see above). A symbolic link as the
// last component is followed only when follow is set; otherwise the result
// is the link itself. A component that is not a directory fails with
// ENOTDIR, a missing one with ENOENT, too many links with ELOOP.
//
// The root itself is not opened unless p names it: a component of the root
// is opened by its absolute path ("/usr", which resolves "/" and that one
// name), and the root's stat(2) stands for the directory it is in. That is
// two system calls less per path than opening "/" and closing it again,
// for the score of system entries every new root plan resolves.
func openHost(p string, follow bool) (hostFile, error) {
	if !path.IsAbs(p) {
		return hostFile{}, errRelative
	}
	h := hostFile{path: "/", fd: -1, rootOnly: true} // fd -1: at the root, not opened
	if err := unix.Stat("/", &h.st); err != nil {
		return hostFile{}, err
	}
	closeCur := func() {
		if h.fd >= 0 {
			unix.Close(h.fd)
		}
	}
	fail := func(err error) (hostFile, error) {
		closeCur()
		return hostFile{}, err
	}
	rest, links := p, 0
	for {
		rest = strings.TrimLeft(rest, "/")
		if rest == "" {
			break
		}
		name := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			// rest keeps the slash: a trailing one makes the last
			// component a directory, through a link if need be.
			name, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if name == "." || (name == ".." && h.fd < 0) {
			continue // the root's ".." is the root
		}
		if name == ".." {
			fd, err := unix.Openat(h.fd, "..", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fail(err)
			}
			unix.Close(h.fd)
			h.fd, h.path = fd, path.Dir(h.path)
			if err := unix.Fstat(fd, &h.st); err != nil {
				return fail(err)
			}
			continue
		}
		var fd int
		var err error
		if h.fd < 0 {
			fd, err = unix.Open("/"+name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		} else {
			fd, err = unix.Openat(h.fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		}
		if err != nil {
			return fail(err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return fail(err)
		}
		h.rootOnly = h.rootOnly && rootOnlyEntry(&h.st, &st)
		if st.Mode&unix.S_IFMT == unix.S_IFLNK && (rest != "" || follow) {
			target, err := readLinkFD(fd)
			unix.Close(fd)
			switch {
			case !trustedOwner(st.Uid):
				return fail(&untrustedLinkError{link: path.Join(h.path, name), uid: st.Uid})
			case err != nil:
				return fail(err)
			case links >= maxSymlinks:
				return fail(unix.ELOOP)
			case target == "":
				return fail(unix.ENOENT)
			}
			links++
			h.rootOnly = h.rootOnly && st.Uid == 0
			if path.IsAbs(target) {
				closeCur()
				h.fd, h.path = -1, "/"
				if err := unix.Stat("/", &h.st); err != nil {
					return fail(err)
				}
			}
			rest = target + rest
			continue
		}
		if rest != "" && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			unix.Close(fd)
			return fail(unix.ENOTDIR)
		}
		closeCur()
		h.fd, h.path, h.st = fd, path.Join(h.path, name), st
	}
	if h.fd < 0 { // p names the root
		fd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return hostFile{}, err
		}
		h.fd = fd
		if err := unix.Fstat(fd, &h.st); err != nil {
			return fail(err)
		}
	}
	return h, nil
}

// rootOnlyDir says whether only root can change the entries of the
// directory st describes.
func rootOnlyDir(st *unix.Stat_t) bool {
	return st.Uid == 0 && st.Mode&(unix.S_IWGRP|unix.S_IWOTH) == 0
}

// rootOnlyEntry says whether only root can rename, remove or replace the
// entry (st) of the directory dir: a directory only root can change, or a
// sticky one of root's (/tmp) where the entry is root's (sticky(7)
// semantics: only the entry's or the directory's owner may do that).
func rootOnlyEntry(dir, st *unix.Stat_t) bool {
	return rootOnlyDir(dir) || (dir.Uid == 0 && dir.Mode&unix.S_ISVTX != 0 && st.Uid == 0)
}

// readLinkFD reads the target of the symbolic link open (O_PATH|O_NOFOLLOW)
// as fd.
func readLinkFD(fd int) (string, error) {
	for size := 256; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(fd, "", buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
