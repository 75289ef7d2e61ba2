package sandbox

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// outputCounter counts the bytes delivered from Stdout and Stderr against
// OutputLimit. Under its lock the budget is taken before bytes move, so
// the destinations receive at most the limit in total, and the run is
// stopped at the first byte past it, whatever the command does with
// SIGXFSZ.
type outputCounter struct {
	limit    int64
	mu       sync.Mutex
	n        int64 // bytes delivered
	exceeded atomic.Bool
	onExceed func()
}

// take reserves up to want bytes of the budget and returns how many.
func (c *outputCounter) take(want int64) int64 {
	c.mu.Lock()
	got := min(want, c.limit-c.n)
	c.n += max(got, 0)
	c.mu.Unlock()
	return max(got, 0)
}

// exceed records that the command wrote past the limit.
func (c *outputCounter) exceed() {
	if c.exceeded.CompareAndSwap(false, true) && c.onExceed != nil {
		c.onExceed()
	}
}

// limitedWriter passes on at most the counter's remaining budget.
type limitedWriter struct {
	w io.Writer
	c *outputCounter
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	if l.c == nil || l.c.limit <= 0 {
		return l.w.Write(b)
	}
	allowed := l.c.take(int64(len(b)))
	if allowed < int64(len(b)) {
		l.c.exceed()
	}
	if allowed > 0 {
		if _, err := l.w.Write(b[:allowed]); err != nil {
			return 0, err
		}
	}
	return len(b), nil // swallow the excess so the copy drains the pipe
}

// fileWriter hides an *os.File so that io.Copy treats it as any io.Writer.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(b []byte) (int, error) { return w.f.Write(b) }

// spliceChunk is the most one splice(2) moves.
const spliceChunk = 1 << 20

// errSpliceRefused: the destination takes no splice (it was opened with
// O_APPEND, or its file system cannot); nothing was moved yet.
var errSpliceRefused = errors.New("splice refused")

// spliceOut moves what the command writes to pr into dst, a regular file,
// with splice(2): the pages go from the pipe to the file without a copy
// through this process. The file's offset (shared with the caller's
// descriptor) advances as the command's own writes would advance it. pr is
// non-blocking and polled by the runtime, so no thread waits in the
// kernel for the command to write.
func spliceOut(pr, dst *os.File, c *outputCounter, read *atomic.Int64) error {
	rc, err := pr.SyscallConn()
	if err != nil {
		return err
	}
	out := int(dst.Fd())
	limited := c != nil && c.limit > 0
	var scratch []byte // drains what is past the limit
	moved := false
	for {
		var n int
		var serr error
		err := rc.Read(func(fd uintptr) bool {
			if !limited {
				n, serr = splice(int(fd), out, spliceChunk)
				return serr != unix.EAGAIN
			}
			// The lock is held across the splice, so that the other
			// stream never sees budget that is taken but not yet used.
			c.mu.Lock()
			if avail := c.limit - c.n; avail > 0 {
				n, serr = splice(int(fd), out, int(min(avail, spliceChunk)))
				c.n += int64(n)
				c.mu.Unlock()
				return serr != unix.EAGAIN
			}
			c.mu.Unlock()
			// The budget is spent: any byte still written is past the
			// limit. Read it and drop it.
			if scratch == nil {
				scratch = make([]byte, 32<<10)
			}
			n, serr = unix.Read(int(fd), scratch)
			if n > 0 {
				c.exceed()
			}
			return serr != unix.EAGAIN
		})
		switch {
		case err != nil:
			return err // pr was closed: copyGrace ran out
		case serr == unix.EINTR:
		case serr == unix.EINVAL && !moved:
			return errSpliceRefused
		case serr != nil:
			return os.NewSyscallError("splice", serr)
		case n == 0:
			return nil // every write end is closed
		default:
			moved = true
			read.Add(int64(n))
		}
	}
}

// splice moves up to n bytes from the pipe in to out; 0 means every write
// end of the pipe is closed and it is empty.
func splice(in, out, n int) (int, error) {
	m, err := unix.Splice(in, nil, out, nil, n, unix.SPLICE_F_MOVE|unix.SPLICE_F_NONBLOCK)
	return int(max(m, 0)), err
}

// drainTo copies what the command writes to pr into dst (the caller's
// file, through a descriptor of our own) until every write end is closed,
// splicing into a regular file and copying otherwise. read counts the
// bytes taken from pr (those past OutputLimit, dropped, too).
func drainTo(pr, dst *os.File, regular bool, c *outputCounter, read *atomic.Int64) error {
	if regular && !isAppend(dst) {
		err := spliceOut(pr, dst, c, read)
		if err != errSpliceRefused {
			return err
		}
	}
	_, err := io.Copy(&limitedWriter{w: fileWriter{dst}, c: c}, countingReader{pr, read})
	return err
}

// isAppend reports whether f's open file description has O_APPEND, which
// splice(2) refuses to write to.
func isAppend(f *os.File) bool {
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_APPEND != 0
}
