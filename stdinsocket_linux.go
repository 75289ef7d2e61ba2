package sandbox

import (
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// socketFeed feeds the pipe that is the command's stdin from a socket the
// caller handed in as Stdin, so that the command can only read it: not
// write to it (uncounted by OutputLimit), shut it down, set its options or
// pass descriptors over it. The caller's open file description is read
// with recv(MSG_DONTWAIT) on a descriptor of ours, never made
// non-blocking, and only while the run lasts: stop ends the copy before
// Wait returns, so what the peer sends afterwards is the caller's. The
// copy takes no more than the pipe holds ahead of the command, and stops
// when the command closes its stdin.
type socketFeed struct {
	sock  int // our descriptor on the caller's socket
	pw    int // the pipe's write end, non-blocking (the command's is not)
	stopR int // readable once stopW is closed: the run ended
	stopW int
	dgram bool // a datagram socket: a read of 0 bytes is not the end

	started bool
	done    chan struct{}
	once    sync.Once
}

// newSocketFeed makes the feed of f and returns it with the pipe's read
// end, the command's stdin.
func newSocketFeed(f *os.File) (_ *socketFeed, _ *os.File, err error) {
	sf := &socketFeed{sock: -1, pw: -1, stopR: -1, stopW: -1, done: make(chan struct{})}
	var p [2]int
	var pr *os.File
	defer func() {
		if err != nil {
			sf.closeAll()
			if pr != nil {
				pr.Close()
			}
		}
	}()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	var derr error
	if err := rc.Control(func(fd uintptr) { sf.sock, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, nil, err
	}
	if derr != nil {
		sf.sock = -1
		return nil, nil, os.NewSyscallError("fcntl", derr)
	}
	typ, err := unix.GetsockoptInt(sf.sock, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil, nil, os.NewSyscallError("getsockopt", err)
	}
	sf.dgram = typ == unix.SOCK_DGRAM
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	pr, sf.pw = os.NewFile(uintptr(p[0]), "stdin"), p[1]
	if err := unix.SetNonblock(sf.pw, true); err != nil {
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	sf.stopR, sf.stopW = p[0], p[1]
	return sf, pr, nil
}

func (sf *socketFeed) closeAll() {
	for _, fd := range []*int{&sf.sock, &sf.pw, &sf.stopR, &sf.stopW} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

// start starts the copy; setErr gets the error that ended it, if any.
func (sf *socketFeed) start(setErr func(error)) {
	sf.started = true
	go func() {
		defer close(sf.done)
		if err := sf.copy(); err != nil {
			setErr(err)
		}
		// The end of the copy: the command's stdin ends now, and the
		// socket is no longer read. stop waits for done before it
		// closes the rest.
		unix.Close(sf.pw)
		unix.Close(sf.sock)
		sf.pw, sf.sock = -1, -1
	}()
}

// stop ends the copy and waits for it (at once: it blocks only in poll,
// which the stop wakes), then closes every descriptor of the feed. The
// command's stdin sees EOF, if it still reads.
func (sf *socketFeed) stop() {
	sf.once.Do(func() {
		unix.Close(sf.stopW)
		sf.stopW = -1
		if sf.started {
			<-sf.done
		}
		sf.closeAll()
	})
}

// Close is stop, for setupStdio's list of what to close if the copy never
// starts.
func (sf *socketFeed) Close() error {
	sf.stop()
	return nil
}

// copy moves what the socket delivers into the pipe until the socket's
// end, the command's closing its stdin, or stop. It reads the socket only
// into room the pipe has (its size less what it holds), so that what was
// taken from the socket and not yet read by the command is never more
// than the pipe holds: what the command leaves unread at the end is lost
// to the caller, and no more than that.
func (sf *socketFeed) copy() error {
	size, err := unix.FcntlInt(uintptr(sf.pw), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	buf := make([]byte, min(size, 64<<10))
	var data []byte // read from the socket, not yet in the pipe
	for {
		if len(data) == 0 {
			ev, end, err := sf.wait(unix.POLLIN|unix.POLLRDHUP, 0)
			if end || err != nil {
				return err
			}
			room := 0
			for {
				queued, err := unix.IoctlGetInt(sf.pw, unix.TIOCINQ) // FIONREAD
				if err != nil {
					return os.NewSyscallError("ioctl", err)
				}
				if room = min(size-queued, len(buf)); room > 0 {
					break
				}
				if _, end, err := sf.wait(0, unix.POLLOUT); end || err != nil {
					return err
				}
			}
			n, _, err := unix.Recvfrom(sf.sock, buf[:room], unix.MSG_DONTWAIT)
			// The peer's end: a stream's read of 0, or, on any socket,
			// nothing to read once its reading side is shut down (on a
			// datagram socket a read of 0 is an empty datagram).
			closed := ev&(unix.POLLRDHUP|unix.POLLHUP) != 0
			switch {
			case (err == unix.EAGAIN || n == 0) && closed:
				return nil
			case err == unix.EAGAIN || err == unix.EINTR:
				continue // the caller read it first
			case err != nil:
				return os.NewSyscallError("recvfrom", err)
			case n == 0 && !sf.dgram:
				return nil
			}
			data = buf[:n]
		}
		n, err := unix.Write(sf.pw, data)
		switch {
		case err == unix.EAGAIN:
			if _, end, err := sf.wait(0, unix.POLLOUT); end || err != nil {
				return err
			}
		case err == unix.EINTR:
		case errors.Is(err, unix.EPIPE):
			return nil // the command closed its stdin
		case err != nil:
			return os.NewSyscallError("write", err)
		default:
			data = data[n:]
		}
	}
}

// wait waits for the socket's events sock (none: the socket is not
// waited for) or the pipe's events pipe, and returns the socket's. end
// is true once the run ended (stop) or the pipe lost its reader (POLLERR,
// always reported).
func (sf *socketFeed) wait(sock, pipe int16) (ev int16, end bool, err error) {
	pfd := []unix.PollFd{{Fd: int32(sf.stopR), Events: unix.POLLIN}, {Fd: int32(sf.pw), Events: pipe}, {Fd: int32(sf.sock), Events: sock}}
	if sock == 0 {
		pfd = pfd[:2]
	}
	for {
		_, err := unix.Poll(pfd, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, false, os.NewSyscallError("poll", err)
		}
		if pfd[0].Revents != 0 || pfd[1].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
			return 0, true, nil
		}
		if sock != 0 {
			ev = pfd[2].Revents
		}
		if ev != 0 || pfd[1].Revents != 0 {
			return ev, false, nil
		}
	}
}
