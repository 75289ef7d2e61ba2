package sandbox

import (
	"os"
	"runtime"
	"slices"

	"golang.org/x/sys/unix"
)

// A terminal handed to the command (as stdin, or any of its files) is the
// caller's: whatever the command does to it — echo off, raw mode, another
// window size or line discipline, exclusive mode (TIOCEXCL), output stopped
// (TCXONC TCOOFF) — is undone when the run ends.

// ttyState is what a terminal's settings were before a run.
type ttyState struct {
	f       *os.File
	termios unix.Termios
	winsize unix.Winsize
	excl    int
	ldisc   int
}

// saveTerminals records the settings of each terminal among files (each
// terminal once).
func saveTerminals(files []*os.File) []*ttyState {
	var out []*ttyState
	var seen []uint64
	for _, f := range files {
		if f == nil {
			continue
		}
		t := &ttyState{f: f}
		var rdev uint64
		ok := t.control(func(fd int) bool {
			tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
			if err != nil {
				return false // not a terminal
			}
			var st unix.Stat_t
			ws, err1 := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
			excl, err2 := unix.IoctlGetInt(fd, unix.TIOCGEXCL)
			ldisc, err3 := unix.IoctlGetInt(fd, unix.TIOCGETD)
			err4 := unix.Fstat(fd, &st)
			if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
				return false
			}
			t.termios, t.winsize, t.excl, t.ldisc, rdev = *tio, *ws, excl, ldisc, st.Rdev
			return true
		})
		if !ok || containsRdev(seen, rdev) {
			continue
		}
		seen = append(seen, rdev)
		out = append(out, t)
	}
	return out
}

func containsRdev(list []uint64, rdev uint64) bool {
	for _, r := range list {
		if r == rdev {
			return true
		}
	}
	return false
}

// control runs fn with the file's descriptor, leaving its blocking mode as
// it is (File.Fd would make it blocking).
func (t *ttyState) control(fn func(fd int) bool) bool {
	rc, err := t.f.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	if err := rc.Control(func(fd uintptr) { ok = fn(int(fd)) }); err != nil {
		return false
	}
	return ok
}

// restore puts back what the run changed, and restarts output (whether it
// was stopped cannot be read; a terminal in use was not). SIGTTOU is
// blocked meanwhile: a process in the background of its controlling
// terminal would otherwise be stopped by the kernel for changing it.
func (t *ttyState) restore() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var block, old unix.Sigset_t
	block.Val[0] = 1 << (unix.SIGTTOU - 1)
	if unix.PthreadSigmask(unix.SIG_BLOCK, &block, &old) != nil {
		return
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	t.control(func(fd int) bool {
		unix.IoctlSetInt(fd, unix.TCXONC, unix.TCOON)
		if ldisc, err := unix.IoctlGetInt(fd, unix.TIOCGETD); err == nil && ldisc != t.ldisc {
			unix.IoctlSetPointerInt(fd, unix.TIOCSETD, t.ldisc)
		}
		if tio, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil && *tio != t.termios {
			unix.IoctlSetTermios(fd, unix.TCSETS, &t.termios)
		}
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && *ws != t.winsize {
			unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &t.winsize)
		}
		if excl, err := unix.IoctlGetInt(fd, unix.TIOCGEXCL); err == nil && excl != t.excl {
			req := uint(unix.TIOCNXCL)
			if t.excl != 0 {
				req = unix.TIOCEXCL
			}
			unix.IoctlSetInt(fd, req, 0)
		}
		return true
	})
}

// callerFiles are the files of the command that the caller handed in (not
// the pipes and /dev/null the library made).
func callerFiles(s *stdio) []*os.File {
	var out []*os.File
	for _, f := range s.files {
		if f != nil && !slices.Contains(s.parentEnds, f) {
			out = append(out, f)
		}
	}
	return out
}

// restoreTerminals restores every terminal of the run.
func restoreTerminals(ts []*ttyState) {
	for _, t := range ts {
		t.restore()
	}
}
