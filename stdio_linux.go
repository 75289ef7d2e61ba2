package sandbox

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// What the command gets as its standard descriptors:
//
//	Stdin   nil                   /dev/null
//	        regular *os.File      a read-only open file description of its
//	                              own, at the caller's offset: it may seek,
//	                              mmap and fstat it, but never write,
//	                              truncate, lock or change the flags of
//	                              the caller's, nor move its offset
//	        pipe, terminal or     the file itself, as with os/exec (the
//	        character device      command may write to a terminal, and
//	                              that output is not counted by
//	                              OutputLimit)
//	        socket                a pipe, fed from it while the run lasts
//	                              (recv with MSG_DONTWAIT, never more than
//	                              the pipe holds ahead of the command): the
//	                              command cannot write to the socket, shut
//	                              it down or change it, and what the peer
//	                              sends after the run is the caller's
//	        other *os.File        refused (a *ConfigError): a directory,
//	                              a symlink or an O_PATH descriptor of the
//	                              host's would let the command open files
//	                              outside the sandbox
//	        io.Reader             a pipe fed from it, closed when the run
//	                              ends: the goroutine that reads it ends
//	                              at the Reader's next return (one that
//	                              never returns, such as an idle net.Conn,
//	                              keeps it until the Reader is closed)
//	Stdout  nil                   /dev/null
//	Stderr  regular *os.File      a pipe, drained into the file with
//	                              splice(2) at the file's offset (appended
//	                              with O_APPEND): the command cannot reopen,
//	                              read, truncate, seek, fallocate it or
//	                              clear O_APPEND, and OutputLimit is
//	                              counted by the sandbox
//	        pipe                  the same pipe, opened again write-only:
//	                              its status flags (O_NONBLOCK) are the
//	                              command's own, not the caller's; copied
//	                              through a pipe of the run's under
//	                              OutputLimit, or when the caller is not
//	                              root (the command, of the caller's uid,
//	                              could open the pipe for reading)
//	        socket                a pipe, copied into it: the command
//	                              cannot read the socket or change it
//	        terminal or other     the file itself (programs see their
//	        character device      terminal); copied and counted through a
//	                              pipe under OutputLimit
//	        io.Writer             a pipe, copied into it
//
// The same value as Stdout and Stderr shares one pipe, so the two stay in
// order. A directory, a symlink or an O_PATH descriptor is refused as any
// of them (checkFiles). ExtraFiles are handed in as they are, but for the
// same refusal: the way to give a directory is Bind.
type stdio struct {
	files      []*os.File  // descriptor i of the child; nil means closed
	parentEnds []*os.File  // closed by the parent once the child has them
	null       *os.File    // /dev/null, for the streams that have none (devNull)
	readers    []*os.File  // pipe ends the copiers read; closed after Wait
	pending    []io.Closer // what only a copy owns: closed if it never starts
	feed       *os.File    // the write end of the stdin pipe, closed when the run ends
	sockFeed   *socketFeed // a socket Stdin's copy, stopped when the run ends
	wg         sync.WaitGroup
	errMu      sync.Mutex
	copyErr    error
	out        *outputCounter
	grace      time.Duration   // how long Wait waits for output after the run
	cut        atomic.Bool     // the output was cut when grace ran out
	outN       [2]atomic.Int64 // bytes read from the command's Stdout, Stderr
	copied     [2]bool         // whether outN[i] counts: the sandbox drains that stream
}

// counted is the number of bytes the command wrote to its Stdout (i 0) or
// Stderr (i 1), as the sandbox read them from its pipe, or -1 when the
// sandbox does not drain that stream.
func (s *stdio) counted(i int) int64 {
	if !s.copied[i] {
		return -1
	}
	return s.outN[i].Load()
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
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

// devNull gives the child its next descriptor on /dev/null. A run's
// streams that have none (nil) share one open file description of it,
// read-write: its flags are the run's own, and it costs one open instead of
// three (os.OpenFile would also try to register each with the runtime's
// poller).
func (s *stdio) devNull() error {
	if s.null == nil {
		fd, err := ignoringEINTR(func() (int, error) {
			return unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
		})
		if err != nil {
			return &os.PathError{Op: "open", Path: os.DevNull, Err: err}
		}
		s.null = os.NewFile(uintptr(fd), os.DevNull)
		s.parentEnds = append(s.parentEnds, s.null)
	}
	s.files = append(s.files, s.null)
	return nil
}

// checkFiles refuses, before anything is opened, the caller's files that
// must not become a descriptor of the command's: a directory, a symlink or
// any O_PATH descriptor, as Stdin, Stdout, Stderr or in ExtraFiles, would
// be a handle on the host's mount namespace from which openat(fd, "..")
// or /proc/self/fd/N/.. reaches files no Bind shows (runc's
// CVE-2024-21626); Stdin is besides only a regular file, a FIFO, a
// character device or a socket. The error is a *ConfigError naming the
// file.
func checkFiles(cmd *exec.Cmd) error {
	check := func(which string, f *os.File, stdin bool) error {
		if f == nil {
			return nil
		}
		bad := func(why string) error {
			return &ConfigError{Method: "Run", Value: f.Name(), Reason: which + " " + why}
		}
		rc, err := f.SyscallConn()
		if err != nil {
			return bad(err.Error())
		}
		var st unix.Stat_t
		fl, serr := 0, error(nil)
		if err := rc.Control(func(fd uintptr) {
			if serr = unix.Fstat(int(fd), &st); serr == nil {
				fl, serr = unix.FcntlInt(fd, unix.F_GETFL, 0)
			}
		}); err != nil {
			return bad(err.Error())
		}
		if serr != nil {
			return bad(serr.Error())
		}
		const escape = ", from which the command could open the host's files outside the sandbox: give a directory with Bind"
		switch t := st.Mode & unix.S_IFMT; {
		case fl&unix.O_PATH != 0:
			return bad("is an O_PATH descriptor" + escape)
		case t == unix.S_IFDIR:
			return bad("is a directory" + escape)
		case t == unix.S_IFLNK:
			return bad("is a symlink" + escape)
		case stdin && t != unix.S_IFREG && t != unix.S_IFIFO && t != unix.S_IFCHR && t != unix.S_IFSOCK:
			return bad("is not a regular file, a pipe, a character device or a socket")
		}
		return nil
	}
	if f, ok := cmd.Stdin.(*os.File); ok {
		if err := check("Stdin", f, true); err != nil {
			return err
		}
	}
	for i, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		if f, ok := w.(*os.File); ok {
			if err := check([]string{"Stdout", "Stderr"}[i], f, false); err != nil {
				return err
			}
		}
	}
	for i, f := range cmd.ExtraFiles {
		if err := check("ExtraFiles["+strconv.Itoa(i)+"]", f, false); err != nil {
			return err
		}
	}
	return nil
}

// stdioError is the error of setupStdio as Run returns it: a *ConfigError
// (a file the command may not be given) as it is, anything else in a
// *SetupError of the stdio stage.
func stdioError(err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return err
	}
	return setupErr(child.StageStdio, err)
}

// fileKind says how a caller's *os.File is handed to the command.
func fileKind(f *os.File) os.FileMode {
	fi, err := f.Stat()
	if err != nil {
		return os.ModeIrregular
	}
	return fi.Mode().Type()
}

// dupFile returns a descriptor of our own on f's open file description,
// so that the caller may close f while the run goes on. It is taken with
// Control, not Fd, which would make a non-blocking file blocking.
func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(old uintptr) { fd, derr = unix.FcntlInt(old, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl", derr)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// privateReader opens f's file again, read-only, at f's offset: a new open
// file description, shared with nobody.
func privateReader(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nf *os.File
	var off int64
	var oerr error
	err = rc.Control(func(fd uintptr) {
		if off, oerr = unix.Seek(int(fd), 0, io.SeekCurrent); oerr != nil {
			return
		}
		nf, oerr = os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(fd)), os.O_RDONLY|unix.O_NOCTTY, 0)
	})
	if err == nil {
		err = oerr
	}
	if err == nil {
		if _, err = nf.Seek(off, io.SeekStart); err != nil {
			nf.Close()
		}
	}
	if err != nil {
		return nil, err
	}
	return nf, nil
}

// privateWriter opens the pipe f writes to again, write-only and blocking:
// an open file description of the run's own, whose status flags the
// command may change without changing the caller's. The pipe must have a
// reader (ENXIO otherwise: the caller's pipe is copied instead).
func privateWriter(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nf *os.File
	var oerr error
	if err := rc.Control(func(fd uintptr) {
		nf, oerr = os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(fd)), os.O_WRONLY|unix.O_NONBLOCK, 0)
	}); err != nil {
		return nil, err
	}
	if oerr != nil {
		return nil, oerr
	}
	if err := unix.SetNonblock(int(nf.Fd()), false); err != nil {
		nf.Close()
		return nil, err
	}
	return nf, nil
}

// drainPipeSize is the size of the pipe a regular file's output goes
// through: /proc/sys/fs/pipe-max-size by default, which an unprivileged
// caller may ask for too.
const drainPipeSize = 1 << 20

// setupStdio prepares the child's descriptors and starts the copiers.
func setupStdio(cmd *exec.Cmd, out *outputCounter) (*stdio, error) {
	s := &stdio{out: out, grace: copyGrace}
	if cmd.WaitDelay > 0 {
		s.grace = cmd.WaitDelay
	}
	if err := checkFiles(cmd); err != nil {
		return nil, err
	}
	fail := func(err error) (*stdio, error) {
		s.closeParentEnds()
		s.closeReaders()
		for _, c := range s.pending {
			c.Close()
		}
		return nil, err
	}
	start, err := s.stdin(cmd.Stdin)
	if err != nil {
		return fail(err)
	}
	starts := []func(){start}
	for i, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		if i == 1 && cmd.Stdout != nil && sameWriter(cmd.Stderr, cmd.Stdout) {
			s.files = append(s.files, s.files[1])
			continue
		}
		start, err := s.output(i, w)
		if err != nil {
			return fail(err)
		}
		starts = append(starts, start)
	}
	s.files = append(s.files, cmd.ExtraFiles...)
	s.pending = nil // the copies own them now
	for _, start := range starts {
		if start != nil {
			start()
		}
	}
	return s, nil
}

// stdin gives the child its descriptor 0 for r; start, if not nil,
// starts the copy that feeds it.
func (s *stdio) stdin(r io.Reader) (start func(), err error) {
	var feed io.Reader
	switch r := r.(type) {
	case nil:
		if err := s.devNull(); err != nil {
			return nil, err
		}
	case *os.File:
		kind := fileKind(r)
		if kind&os.ModeSocket != 0 {
			sf, pr, err := newSocketFeed(r)
			if err != nil {
				return nil, err
			}
			s.files = append(s.files, pr)
			s.parentEnds = append(s.parentEnds, pr)
			s.pending = append(s.pending, sf)
			s.sockFeed = sf
			return func() { sf.start(s.setErr) }, nil
		}
		if !kind.IsRegular() {
			s.files = append(s.files, r) // checkFiles: a FIFO, a terminal
			break
		}
		f, err := privateReader(r)
		if err == nil {
			s.files = append(s.files, f)
			s.parentEnds = append(s.parentEnds, f)
			break
		}
		// The file cannot be opened again (its mode changed, say): feed
		// a pipe from the caller's description by offset, without moving
		// that offset.
		dup, err := dupFile(r)
		if err != nil {
			return nil, err
		}
		off, err := unix.Seek(int(dup.Fd()), 0, io.SeekCurrent)
		if err != nil {
			dup.Close()
			return nil, err
		}
		feed = &closingReader{io.NewSectionReader(dup, off, 1<<62), dup}
		s.pending = append(s.pending, dup)
	default:
		feed = r
	}
	if feed == nil {
		return nil, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, pr)
	s.parentEnds = append(s.parentEnds, pr)
	s.pending = append(s.pending, pw)
	s.feed = pw
	return func() {
		// Not waited for: a Reader that blocks forever must not hang
		// Wait. The pipe is closed when the copy ends or fails, or when
		// the run ends (closeReaders): then the copy ends at the
		// reader's next return.
		go func() {
			_, err := io.Copy(pw, feed)
			if err != nil && !errors.Is(err, os.ErrClosed) && !isEPIPE(err) {
				s.setErr(err)
			}
			pw.Close()
			if c, ok := feed.(io.Closer); ok {
				c.Close()
			}
		}()
	}, nil
}

// output gives the child its descriptor i+1 for w (Stdout, Stderr): a
// terminal or /dev/null as it is, a FIFO opened again (root), else a
// pipe; start, if not nil, starts the copy out of that pipe.
func (s *stdio) output(i int, w io.Writer) (start func(), err error) {
	var dst *os.File // the caller's file, through a descriptor of ours
	regular := false
	if f, ok := w.(*os.File); ok {
		kind := fileKind(f)
		if kind&os.ModeCharDevice != 0 && s.out == nil {
			s.files = append(s.files, f) // a terminal, /dev/null
			return nil, nil
		}
		if kind&os.ModeNamedPipe != 0 && s.out == nil && os.Geteuid() == 0 {
			if own, err := privateWriter(f); err == nil {
				s.files = append(s.files, own)
				s.parentEnds = append(s.parentEnds, own)
				return nil, nil
			}
		}
		d, err := dupFile(f)
		if err != nil {
			return nil, err
		}
		dst, regular = d, kind.IsRegular()
		s.pending = append(s.pending, dst)
	}
	if w == nil {
		return nil, s.devNull()
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	if regular {
		// A larger pipe: fewer splices, and fewer stops of a command
		// that writes fast (best effort: 64 KiB otherwise).
		unix.FcntlInt(pw.Fd(), unix.F_SETPIPE_SZ, drainPipeSize)
	}
	s.files = append(s.files, pw)
	s.parentEnds = append(s.parentEnds, pw)
	s.readers = append(s.readers, pr)
	s.copied[i] = true
	read := &s.outN[i]
	s.wg.Add(1)
	return func() {
		go func() {
			defer s.wg.Done()
			var err error
			if dst != nil {
				err = drainTo(pr, dst, regular, s.out, read)
				dst.Close()
			} else {
				_, err = io.Copy(&limitedWriter{w: w, c: s.out}, countingReader{pr, read})
			}
			s.setErr(err)
			// A destination that failed: the command gets EPIPE or
			// SIGPIPE instead of blocking on a full pipe.
			pr.Close()
		}()
	}, nil
}

// sameWriter reports whether a and b are the same value; values of a type
// that cannot be compared are different (as os/exec does).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// closingReader closes c when the copy that reads r is done.
type closingReader struct {
	io.Reader
	c io.Closer
}

func (r *closingReader) Close() error { return r.c.Close() }

// closeParentEnds closes the descriptors only the child needs.
func (s *stdio) closeParentEnds() {
	for _, f := range s.parentEnds {
		f.Close()
	}
	s.parentEnds = nil
}

// closeReaders closes, once the run ended, the pipe ends of the copies:
// the outputs' read ends, and the stdin pipe's write end, so that a
// Reader that never returns keeps no descriptor (the copy that reads it,
// blocked in Read, ends at its next return).
func (s *stdio) closeReaders() {
	for _, f := range s.readers {
		f.Close()
	}
	if s.feed != nil {
		s.feed.Close()
	}
	if s.sockFeed != nil {
		s.sockFeed.stop()
	}
}

// wait waits for the output copies, at most grace once the run ended; a
// copy still going then is cut, and the error says so. With no copy (no
// output, or a terminal) there is nothing to start a waiter for.
func (s *stdio) wait() error {
	if s.feed != nil {
		s.feed.Close() // nobody reads the command's stdin any more
	}
	if s.sockFeed != nil {
		s.sockFeed.stop() // the socket is the caller's alone again
	}
	if len(s.readers) > 0 {
		done := make(chan struct{})
		go func() {
			s.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(s.grace):
			s.cut.Store(true)
			s.closeReaders()
			<-done
		}
	}
	s.closeReaders()
	if s.cut.Load() {
		return &outputCutError{grace: s.grace}
	}
	// Under the lock: the copy that feeds stdin from a Reader is not
	// waited for, and may still record its error.
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.copyErr
}

// outputCutError: a process of the run kept its output open after the
// command ended.
type outputCutError struct{ grace time.Duration }

func (e *outputCutError) Error() string {
	return "sandbox: output still open " + e.grace.String() + " after the run ended (held by a process outside it): closed"
}

func (e *outputCutError) Unwrap() error { return exec.ErrWaitDelay }
