package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// TempParent holds one directory per running test binary of this project,
// named "<pid>-<random>", which the binary removes when m.Run returns. A
// binary killed before that leaves its directory behind; the next one
// removes it (TempRoot). Like /tmp it is sticky and open to every user, so
// that an unprivileged test binary has one of its own too.
const TempParent = "/tmp/sandbox-tests"

// TempRoot makes this test binary's directory in TempParent, mode 0711
// (the sandbox's users may pass through it, not list it), after removing
// those left by test binaries that are gone. TestMain calls it once and
// removes the directory when m.Run returns.
func TempRoot() (string, error) {
	if err := tempParent(); err != nil {
		return "", err
	}
	sweepTemp(TempParent)
	dir, err := os.MkdirTemp(TempParent, strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.Remove(dir)
		return "", err
	}
	return dir, nil
}

// tempParent makes TempParent, or checks the one there: a directory, not
// a link, of root's or this user's, that others may not rename entries of
// (sticky, or not writable by them).
func tempParent() error {
	if err := os.Mkdir(TempParent, 0o700); err == nil {
		if err := os.Chmod(TempParent, os.ModeSticky|0o777); err != nil {
			return err
		}
	} else if !os.IsExist(err) {
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(TempParent, &st); err != nil {
		return err
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("%s is not a directory", TempParent)
	case st.Uid != 0 && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s belongs to uid %d", TempParent, st.Uid)
	case st.Mode&(unix.S_IWGRP|unix.S_IWOTH) != 0 && st.Mode&unix.S_ISVTX == 0:
		return fmt.Errorf("%s is writable by others and not sticky", TempParent)
	}
	return nil
}

// sweepTemp removes the directories in parent of test binaries that are
// gone: named "<pid>-…" where no process has that pid (kill(pid, 0)
// fails with ESRCH), a directory (never a link, never followed), and this
// user's.
func sweepTemp(parent string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		prefix, _, ok := strings.Cut(e.Name(), "-")
		pid, err := strconv.Atoi(prefix)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || unix.Kill(pid, 0) != unix.ESRCH {
			continue
		}
		p := filepath.Join(parent, e.Name())
		var st unix.Stat_t
		if unix.Lstat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() {
			continue
		}
		os.RemoveAll(p) // removes what is in p, following no link
	}
}
