package sandbox

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
)

// stdio connects a command's Stdin, Stdout, Stderr and ExtraFiles to the
// child's descriptors 0, 1, 2, 3….
type stdio struct {
	files      []*os.File // descriptor i of the child; nil means closed
	parentEnds []*os.File // closed by the parent once the child has them
	readers    []*os.File // pipe ends the copiers read; closed after Wait
	wg         sync.WaitGroup
	errMu      sync.Mutex
	copyErr    error
	out        *outputCounter
}

// outputCounter counts bytes written to Stdout and Stderr writers against
// OutputLimit.
type outputCounter struct {
	limit    int64
	n        atomic.Int64
	exceeded atomic.Bool
	onExceed func()
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
	total := l.c.n.Add(int64(len(b)))
	allowed := int64(len(b)) - max(0, total-l.c.limit)
	if allowed < int64(len(b)) {
		if l.c.exceeded.CompareAndSwap(false, true) && l.c.onExceed != nil {
			l.c.onExceed()
		}
	}
	if allowed > 0 {
		if _, err := l.w.Write(b[:allowed]); err != nil {
			return 0, err
		}
	}
	return len(b), nil // swallow the excess so the copy drains the pipe
}

func (s *stdio) setErr(err error) {
	if err == nil || errors.Is(err, os.ErrClosed) {
		return
	}
	s.errMu.Lock()
	if s.copyErr == nil {
		s.copyErr = err
	}
	s.errMu.Unlock()
}

func openDevNull(flag int) (*os.File, error) { return os.OpenFile(os.DevNull, flag, 0) }

// fileWriter hides an *os.File so that it is treated as any io.Writer.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(b []byte) (int, error) { return w.f.Write(b) }

func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// setupStdio prepares the child's descriptors. Copiers start only with
// start(), after the fork.
func setupStdio(cmd *exec.Cmd, out *outputCounter) (*stdio, error) {
	s := &stdio{out: out}
	var starts []func()
	fail := func(err error) (*stdio, error) {
		s.closeParentEnds()
		s.closeReaders()
		return nil, err
	}
	// stdin
	switch r := cmd.Stdin.(type) {
	case nil:
		f, err := openDevNull(os.O_RDONLY)
		if err != nil {
			return fail(err)
		}
		s.files = append(s.files, f)
		s.parentEnds = append(s.parentEnds, f)
	case *os.File:
		s.files = append(s.files, r)
	default:
		pr, pw, err := os.Pipe()
		if err != nil {
			return fail(err)
		}
		s.files = append(s.files, pr)
		s.parentEnds = append(s.parentEnds, pr)
		starts = append(starts, func() {
			// Not waited for: a Reader that blocks forever must not hang
			// Wait. The pipe is closed when the copy ends or fails.
			go func() {
				_, err := io.Copy(pw, r)
				if err != nil && !errors.Is(err, os.ErrClosed) && !isEPIPE(err) {
					s.setErr(err)
				}
				pw.Close()
			}()
		})
	}
	// stdout and stderr; the same writer for both shares one pipe. Under
	// OutputLimit a file that is not a regular one (a pipe, a terminal,
	// /dev/null) is copied and counted too: RLIMIT_FSIZE binds only
	// regular files.
	var shared *os.File
	for i, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		if f, ok := w.(*os.File); ok && out != nil && !isRegular(f) {
			w = fileWriter{f}
		}
		switch w := w.(type) {
		case nil:
			f, err := openDevNull(os.O_WRONLY)
			if err != nil {
				return fail(err)
			}
			s.files = append(s.files, f)
			s.parentEnds = append(s.parentEnds, f)
		case *os.File:
			s.files = append(s.files, w)
		default:
			if i == 1 && cmd.Stderr == cmd.Stdout && shared != nil {
				s.files = append(s.files, shared)
				continue
			}
			pr, pw, err := os.Pipe()
			if err != nil {
				return fail(err)
			}
			shared = pw
			s.files = append(s.files, pw)
			s.parentEnds = append(s.parentEnds, pw)
			s.readers = append(s.readers, pr)
			lw := &limitedWriter{w: w, c: out}
			s.wg.Add(1)
			starts = append(starts, func() {
				go func() {
					defer s.wg.Done()
					_, err := io.Copy(lw, pr)
					s.setErr(err)
					// A writer that failed: the command gets EPIPE or
					// SIGPIPE instead of blocking on a full pipe.
					pr.Close()
				}()
			})
		}
	}
	s.files = append(s.files, cmd.ExtraFiles...)
	for _, start := range starts {
		start()
	}
	return s, nil
}

// closeParentEnds closes the descriptors only the child needs.
func (s *stdio) closeParentEnds() {
	for _, f := range s.parentEnds {
		f.Close()
	}
	s.parentEnds = nil
}

func (s *stdio) closeReaders() {
	for _, f := range s.readers {
		f.Close()
	}
}
