package sandbox

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// fdModel plays the child's descriptor operations on a model of a
// descriptor table: what each descriptor refers to and its close-on-exec
// flag. It understands the calls gapsClose and planFDs emit.
type fdModel struct {
	file    map[int]string // descriptor → what it refers to
	cloexec map[int]bool
	limit   int // descriptors above are not modelled
}

func newFDModel(limit int, open map[int]string) *fdModel {
	m := &fdModel{file: map[int]string{}, cloexec: map[int]bool{}, limit: limit}
	for fd, f := range open {
		m.file[fd], m.cloexec[fd] = f, true // the parent opens everything O_CLOEXEC
	}
	return m
}

func (m *fdModel) run(t *testing.T, seq *child.Seq) {
	t.Helper()
	for i, op := range seq.Ops {
		a := op.Args
		if op.Use != 0 {
			t.Fatalf("op %d uses registers", i)
		}
		var err error
		switch op.Nr {
		case unix.SYS_CLOSE_RANGE:
			for fd := int(a[0]); fd <= min(int(a[1]), m.limit); fd++ {
				if a[2]&unix.CLOSE_RANGE_CLOEXEC != 0 {
					if _, ok := m.file[fd]; ok {
						m.cloexec[fd] = true
					}
				} else {
					delete(m.file, fd)
				}
			}
		case unix.SYS_CLOSE:
			if _, ok := m.file[int(a[0])]; !ok {
				err = unix.EBADF
			}
			delete(m.file, int(a[0]))
		case unix.SYS_DUP3:
			f, ok := m.file[int(a[0])]
			switch {
			case !ok:
				err = unix.EBADF
			case a[0] == a[1]:
				err = unix.EINVAL
			default:
				m.file[int(a[1])], m.cloexec[int(a[1])] = f, a[2]&unix.O_CLOEXEC != 0
			}
		case unix.SYS_FCNTL:
			if _, ok := m.file[int(a[0])]; !ok || a[1] != unix.F_SETFD {
				err = unix.EBADF
			}
			m.cloexec[int(a[0])] = a[2]&unix.FD_CLOEXEC != 0
		default:
			t.Fatalf("op %d: unexpected system call %d", i, op.Nr)
		}
		if err != nil && op.Flags&child.FlagIgnore == 0 {
			t.Fatalf("op %d %+v fails with %v", i, op, err)
		}
	}
}

// TestGapsClose: every descriptor but the kept ones is closed, whatever
// their order, duplicates or negative entries.
func TestGapsClose(t *testing.T) {
	const limit = 64
	for _, keep := range [][]int{nil, {0}, {5}, {9, 3, 4}, {3, 3, -1, 0, 63}, {1, 2, 10, 11, 12}} {
		open := map[int]string{}
		for fd := range limit + 1 {
			open[fd] = fmt.Sprint("file", fd)
		}
		m := newFDModel(limit, open)
		var seq child.Seq
		gapsClose(&seq, keep)
		m.run(t, &seq)
		for fd := range limit + 1 {
			_, isOpen := m.file[fd]
			if want := slices.Contains(keep, fd); isOpen != want {
				t.Errorf("keep %v: descriptor %d open = %v, want %v", keep, fd, isOpen, want)
			}
		}
		for i, op := range seq.Ops {
			if op.Flags&child.FlagIgnore == 0 {
				t.Errorf("keep %v: op %d is not best effort", keep, i)
			}
		}
	}
}

// TestPlanFDs: after the steps, descriptor i refers to what files[i] did
// (closed when -1) without close-on-exec, every other descriptor is close-on-exec,
// and the reserved descriptors (the pipes init still writes to) keep what
// they refer to — also when a file sits on a lower descriptor than its
// slot, or on another file's slot, or on a reserved one's neighbour.
func TestPlanFDs(t *testing.T) {
	// Real files on known descriptors: descriptors are not chosen by the
	// test, so the layouts are built from the ones the kernel gave.
	var fds []int
	for range 6 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		fds = append(fds, int(f.Fd()))
	}
	lo, hi := slices.Min(fds), slices.Max(fds)
	layouts := [][]int{
		{fds[0], fds[1], fds[2]},                 // stdio from higher descriptors
		{fds[0], -1, fds[0]},                     // one file twice, a closed slot
		{},                                       // nothing
		make([]int, hi+3),                        // more slots than descriptors: files below their slot
		{hi, lo, fds[3], fds[4], fds[5], fds[1]}, // crossing moves
	}
	for i := range layouts[3] {
		layouts[3][i] = -1
	}
	layouts[3][hi+2], layouts[3][hi+1], layouts[3][lo] = lo, hi, hi // lo moves up, hi down, both twice
	for _, layout := range layouts {
		open := map[int]string{}
		for _, fd := range layout {
			if fd >= 0 {
				open[fd] = fmt.Sprint("file", fd)
			}
		}
		// Right where the first temporary descriptor would go.
		r := max(hi+1, len(layout))
		reserved := []int{r, r + 1}
		for _, r := range reserved {
			open[r] = fmt.Sprint("pipe", r)
		}
		m := newFDModel(hi+64, open)
		var seq child.Seq
		planFDs(&seq, layout, reserved)
		m.run(t, &seq)
		for i, fd := range layout {
			got, ok := m.file[i]
			switch {
			case fd < 0 && ok:
				t.Errorf("layout %v: slot %d should be closed, holds %s", layout, i, got)
			case fd >= 0 && got != fmt.Sprint("file", fd):
				t.Errorf("layout %v: slot %d holds %q, want file%d", layout, i, got, fd)
			case fd >= 0 && m.cloexec[i]:
				t.Errorf("layout %v: slot %d is close-on-exec", layout, i)
			}
		}
		for fd, f := range m.file {
			if fd >= len(layout) && !m.cloexec[fd] {
				t.Errorf("layout %v: descriptor %d (%s) survives execve", layout, fd, f)
			}
		}
		for _, r := range reserved {
			if m.file[r] != fmt.Sprint("pipe", r) {
				t.Errorf("layout %v: reserved descriptor %d now holds %q", layout, r, m.file[r])
			}
		}
	}
}
