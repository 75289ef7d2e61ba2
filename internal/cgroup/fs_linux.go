package cgroup

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

type options struct {
	fake *fakeFS // tests: a fake tree instead of the kernel's
}

// fakeFS lets tests run a backend against a tree of plain files in a
// temporary directory: no statfs magic check, no mountinfo, and mkdir/rmdir
// that behave like the kernel's (mkdir creates the interface files).
type fakeFS struct {
	mode    Mode
	parents map[string]string            // controller ("" on v2) → parent dir
	mkdir   func(ctrl, dir string) error // create dir and its interface files
}

// withFake points a Manager at a fake tree (tests only).
func withFake(f *fakeFS) Option { return func(o *options) { o.fake = f } }

// Kernel filesystem magic numbers, from include/uapi/linux/magic.h.
const (
	cgroupMagic  = unix.CGROUP_SUPER_MAGIC  // 0x27e0eb
	cgroup2Magic = unix.CGROUP2_SUPER_MAGIC // 0x63677270
)

// checkMagic reports whether dir is a directory on a cgroup filesystem of the
// given magic, as an *Error naming dir.
func checkMagic(dir string, magic int64) error {
	var st unix.Statfs_t
	if err := ignoringEINTR(func() error { return unix.Statfs(dir, &st) }); err != nil {
		return &Error{Op: "open parent", Path: dir, Err: errnoErr(err)}
	}
	if int64(st.Type) != magic { // uint32 on s390x
		return &Error{Op: "open parent", Path: dir, Err: ErrNotCgroup}
	}
	return nil
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}

// errnoErr keeps the errno (so errors.Is(err, fs.ErrNotExist) works) but
// turns ENOENT into fs.ErrNotExist's own message for readability.
func errnoErr(err error) error {
	if err == unix.ENOENT {
		return fs.ErrNotExist
	}
	return err
}

// writeFile writes s to an existing cgroup interface file in one write(2),
// as the kernel expects. This file's small readers and writers make Stats
// and CPUUsage 7–10 times cheaper than cgroup1's Stat and keep every read
// error (doc.go, "Why not containerd/cgroups").
func writeFile(path, s string) error {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return &Error{Op: "open", Path: path, Err: errnoErr(err)}
	}
	defer unix.Close(fd)
	if err := ignoringEINTR(func() error { _, err := unix.Write(fd, []byte(s)); return err }); err != nil {
		return &Error{Op: "write " + strconv.Quote(s) + " to", Path: path, Err: err}
	}
	return nil
}

// readFile reads a small interface file into buf (grown if needed).
func readFile(path string, buf []byte) ([]byte, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &Error{Op: "open", Path: path, Err: errnoErr(err)}
	}
	defer unix.Close(fd)
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Read(fd, buf[len(buf):cap(buf)])
			return err
		})
		if err != nil {
			return nil, &Error{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// readUint reads a file holding one unsigned number.
func readUint(path string) (uint64, error) {
	var a [64]byte
	b, err := readFile(path, a[:])
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return 0, &Error{Op: "parse", Path: path, Err: err}
	}
	return v, nil
}

// readKey reads the value of "key N" from a flat-keyed file such as
// memory.events or cpu.stat.
func readKey(path, key string) (uint64, error) {
	var a [1024]byte
	b, err := readFile(path, a[:])
	if err != nil {
		return 0, err
	}
	v, ok := keyValue(b, key)
	if !ok {
		return 0, &Error{Op: "parse", Path: path, Err: errors.New("no key " + strconv.Quote(key))}
	}
	return v, nil
}

// keyValue finds the line "key N" in b.
func keyValue(b []byte, key string) (uint64, bool) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		k, v, ok := bytes.Cut(line, []byte{' '})
		if ok && string(k) == key {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// readPeak reads a file holding one count, such as pids.peak: -1 and an
// error wrapping ErrStatUnavailable when the kernel has no such file.
func readPeak(path string) (int64, error) {
	v, err := readUint(path)
	if err != nil {
		return -1, statMissing(err)
	}
	return int64(v), nil
}

// statMissing marks a statistic file the kernel does not provide.
func statMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.Join(ErrStatUnavailable, err)
	}
	return err
}

// readPids appends the pids listed in a cgroup.procs file; a missing file
// (a group already removed) lists none.
func readPids(path string, pids []int) ([]int, error) {
	var a [512]byte
	b, err := readFile(path, a[:])
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return pids, nil
		}
		return pids, err
	}
	for _, f := range bytes.Fields(b) {
		p, err := strconv.Atoi(string(f))
		if err != nil || p <= 0 {
			return pids, &Error{Op: "parse", Path: path, Err: errors.New("bad pid " + strconv.Quote(string(f)))}
		}
		pids = append(pids, p)
	}
	return pids, nil
}

// rmdirRetry removes a group directory, retrying EBUSY briefly (a group
// whose last task is exiting); a missing dir is success.
func rmdirRetry(dir string, fake bool, kill func() error) error {
	if fake {
		return os.RemoveAll(dir)
	}
	deadline := time.Now().Add(killTimeout)
	sleep := 50 * time.Microsecond
	killed := false
	for {
		err := ignoringEINTR(func() error { return unix.Rmdir(dir) })
		switch {
		case err == nil || err == unix.ENOENT:
			return nil
		case err != unix.EBUSY || time.Now().After(deadline):
			return &Error{Op: "rmdir", Path: dir, Err: err}
		case !killed && kill != nil:
			killed = true
			if err := kill(); err != nil {
				return err
			}
			continue
		}
		time.Sleep(sleep)
		sleep = min(2*sleep, 10*time.Millisecond)
	}
}
