package sandbox

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stdioFile makes a file with content, readable by anyone (so that only the
// sandbox, not the file's mode, keeps the command from reading it), and
// opens it with flag.
func stdioFile(t *testing.T, content string, flag int) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fileFlags returns f's status flags (without Fd, which would make f
// blocking).
func fileFlags(t *testing.T, f *os.File) int {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	fl := -1
	rc.Control(func(fd uintptr) { fl, err = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

// TestStdoutFileIsOutputOnly (issue 10, item 5): a host file handed in as
// Stdout reaches the command as a pipe. The command cannot read back what
// the file held, clear O_APPEND, seek, overwrite, truncate, or reserve
// disk space past OutputLimit; its output is appended as before.
func TestStdoutFileIsOutputOnly(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	const before = "secret-before\n"
	f := stdioFile(t, before, os.O_WRONLY|os.O_APPEND)
	var stderr bytes.Buffer
	cmd := exec.Command("/probe/probe", "stdout-attack", "67108864") // fallocate 64 MiB
	cmd.Stdout, cmd.Stderr = f, &stderr
	res, err := probeSandbox(t).OutputLimit(1 << 20).Run(cmd)
	if err != nil || res.Status != OK {
		t.Fatalf("%+v %v\n%s", res, err, stderr.String())
	}
	t.Logf("the command's attempts:\n%s", stderr.String())
	if strings.Contains(stderr.String(), "secret") {
		t.Errorf("the command read what the file held")
	}
	got, _ := os.ReadFile(f.Name())
	if string(got) != before+"after\n" {
		t.Errorf("file holds %q, want %q", got, before+"after\n")
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if st.Blocks*512 >= 1<<20 {
		t.Errorf("%d bytes allocated on disk past a 1 MiB OutputLimit", st.Blocks*512)
	}
	if fl := fileFlags(t, f); fl&unix.O_APPEND == 0 || fl&unix.O_NONBLOCK != 0 {
		t.Errorf("the caller's file flags changed: %#x", fl)
	}
}

// TestStdoutFileOffsets: output lands where os/exec would put it: at the
// file's offset, which then advances, or appended under O_APPEND; one file
// as Stdout and Stderr keeps the order of the writes.
func TestStdoutFileOffsets(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	script := "printf 1; printf 2 >&2; printf 3"
	for _, c := range []struct {
		name   string
		flag   int
		offset int64
	}{
		{"offset", os.O_WRONLY, 4},
		{"append", os.O_WRONLY | os.O_APPEND, 0},
		{"read-write", os.O_RDWR, 9},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want, got []byte
			var wantOff, gotOff int64
			for i, run := range []func(*exec.Cmd) error{
				func(cmd *exec.Cmd) error { return cmd.Run() },
				func(cmd *exec.Cmd) error {
					res, err := New().Run(cmd)
					if err == nil && res.Status != OK {
						err = errors.New(res.Status.String())
					}
					return err
				},
			} {
				f := stdioFile(t, "0123456789", c.flag)
				if _, err := f.Seek(c.offset, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command("sh", "-c", script)
				cmd.Stdout, cmd.Stderr = f, f
				if err := run(cmd); err != nil {
					t.Fatal(err)
				}
				b, _ := os.ReadFile(f.Name())
				off, _ := f.Seek(0, io.SeekCurrent)
				if i == 0 {
					want, wantOff = b, off
				} else {
					got, gotOff = b, off
				}
			}
			if !bytes.Equal(got, want) || gotOff != wantOff {
				t.Errorf("sandbox: %q at offset %d; os/exec: %q at offset %d", got, gotOff, want, wantOff)
			}
		})
	}
}

// TestOutputLimitFileStdout (issue 10, item 5): a program that ignores
// SIGXFSZ (Go does) writing past OutputLimit to a file Stdout ends with
// OutputLimitExceeded, from the sandbox's own count, and the file holds
// exactly the limit.
func TestOutputLimitFileStdout(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	f := stdioFile(t, "", os.O_WRONLY|os.O_TRUNC)
	var stderr bytes.Buffer
	cmd := exec.Command("/probe/probe", "flood", "-")
	cmd.Stdout, cmd.Stderr = f, &stderr
	res, err := probeSandbox(t).OutputLimit(1 << 20).WallTimeLimit(10 * time.Second).Run(cmd)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	if res.Status != OutputLimitExceeded || fi.Size() != 1<<20 {
		t.Errorf("%+v, file %d bytes, want OutputLimitExceeded and %d bytes\n%s", res, fi.Size(), 1<<20, stderr.String())
	}
}

// TestStdinFileIsPrivate: a regular file handed in as Stdin is the
// command's to read (from the caller's offset; it may seek and mmap), but
// not to write, truncate, lock or change: the caller's open file
// description, its offset and its flags are untouched.
func TestStdinFileIsPrivate(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	f := stdioFile(t, "0123456789", os.O_RDWR)
	if _, err := f.Seek(3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	flags := fileFlags(t, f)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("/probe/probe", "stdin-attack")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, &stdout, &stderr
	res, err := probeSandbox(t).Run(cmd)
	if err != nil || res.Status != OK {
		t.Fatalf("%+v %v\n%s", res, err, stderr.String())
	}
	t.Logf("the command's attempts:\n%s", stderr.String())
	if b, _ := os.ReadFile(f.Name()); string(b) != "0123456789" {
		t.Errorf("file changed: %q", b)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 3 {
		t.Errorf("the caller's offset moved to %d", off)
	}
	if fl := fileFlags(t, f); fl != flags {
		t.Errorf("the caller's flags changed: %#x → %#x", flags, fl)
	}
	g, err := os.Open(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := unix.Flock(int(g.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Errorf("the file is still locked after the run: %v", err)
	}
	// What a program needs of a file stdin still works.
	for _, want := range []string{`pread at 0: "0123456789"`, `mmap: "0123"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("missing %q", want)
		}
	}
	// And reading starts at the caller's offset.
	var out bytes.Buffer
	cmd = exec.Command("cat")
	if _, err := f.Seek(3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout = f, &out
	if _, err := New().Run(cmd); err != nil || out.String() != "3456789" {
		t.Errorf("cat read %q (%v), want \"3456789\"", out.String(), err)
	}
}

// TestStdoutSocketNotReadable: a socket handed in as Stdout reaches the
// command as a pipe: it cannot read what the peer sent to the caller.
func TestStdoutSocketNotReadable(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	mine, peer := socketPair(t, unix.SOCK_STREAM)
	fds := [2]int{int(mine.Fd()), int(peer.Fd())}
	if _, err := peer.Write([]byte("secret-for-the-caller")); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("/probe/probe", "read-stdout")
	cmd.Stdout, cmd.Stderr = mine, &stderr
	if _, err := probeSandbox(t).Run(cmd); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "secret") {
		t.Errorf("the command read the caller's socket: %s", stderr.String())
	}
	b := make([]byte, 100)
	n, _, _ := unix.Recvfrom(fds[0], b, unix.MSG_DONTWAIT)
	if string(b[:max(n, 0)]) != "secret-for-the-caller" {
		t.Errorf("the caller reads %q", b[:max(n, 0)])
	}
	// Output still reaches the socket.
	cmd = exec.Command("echo", "hello")
	cmd.Stdout = mine
	if _, err := New().Run(cmd); err != nil {
		t.Fatal(err)
	}
	if n, _ := peer.Read(b); string(b[:n]) != "hello\n" {
		t.Errorf("the peer got %q", b[:n])
	}
}

// TestStdoutPipeFlags: a pipe handed in as Stdout (the embedding
// process's own stdout, say) reaches the command as an open file
// description of its own: the flags it sets (O_NONBLOCK) do not change the
// caller's, and output still arrives without a copy.
func TestStdoutPipeFlags(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.Fd() // blocking, as os/exec and the sandbox leave it
	flags := fileFlags(t, w)
	var stderr bytes.Buffer
	cmd := exec.Command("/probe/probe", "stdout-attack", "1")
	cmd.Stdout, cmd.Stderr = w, &stderr
	res, err := probeSandbox(t).Run(cmd)
	if err != nil || res.Status != OK {
		t.Fatalf("%+v %v\n%s", res, err, stderr.String())
	}
	if fl := fileFlags(t, w); fl != flags {
		t.Errorf("the caller's pipe flags changed: %#x → %#x\n%s", flags, fl, stderr.String())
	}
	b := make([]byte, 100)
	if n, _ := r.Read(b); string(b[:n]) != "after\n" {
		t.Errorf("read %q", b[:n])
	}
}

// TestOutputCut: a process outside the run that holds the run's output
// open (here the test itself, handed the command's stdout over a unix
// socket) is cut off after cmd.WaitDelay, and Wait says so with an error
// that wraps exec.ErrWaitDelay, beside the Result.
func TestOutputCut(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "mine"), os.NewFile(uintptr(fds[1]), "theirs")
	defer mine.Close()
	defer theirs.Close()
	held := make(chan int, 1)
	go func() {
		oob := make([]byte, unix.CmsgSpace(4))
		_, oobn, _, _, err := unix.Recvmsg(fds[0], make([]byte, 1), oob, 0)
		if err != nil {
			held <- -1
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		fd := -1
		if len(msgs) == 1 {
			if rights, _ := unix.ParseUnixRights(&msgs[0]); len(rights) == 1 {
				fd = rights[0]
			}
		}
		held <- fd
	}()
	var out bytes.Buffer
	cmd := exec.Command("/probe/probe", "send-stdout")
	cmd.Stdout = &out
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.WaitDelay = 200 * time.Millisecond
	start := time.Now()
	res, err := probeSandbox(t).Run(cmd)
	if fd := <-held; fd >= 0 {
		unix.Close(fd) // held until Run returned
	}
	if res == nil || res.Status != OK || out.String() != "sent\n" {
		t.Fatalf("%+v %v %q", res, err, out.String())
	}
	if we := (*WaitError)(nil); !errors.Is(err, exec.ErrWaitDelay) || !errors.As(err, &we) || we.Step != WaitOutput {
		t.Errorf("error %v, want a *WaitError of step %q wrapping exec.ErrWaitDelay", err, WaitOutput)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Wait took %v", d)
	}
}

// hostDirFiles opens dir three ways a caller might hand it in: as a
// directory, as an O_PATH descriptor, and through a symlink to it opened
// O_PATH|O_NOFOLLOW (the symlink itself).
func hostDirFiles(t *testing.T, dir string) map[string]*os.File {
	t.Helper()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	files := map[string]*os.File{}
	for name, open := range map[string]func() (int, error){
		"directory":      func() (int, error) { return unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0) },
		"O_PATH":         func() (int, error) { return unix.Open(dir, unix.O_PATH|unix.O_CLOEXEC, 0) },
		"O_PATH symlink": func() (int, error) { return unix.Open(link, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0) },
	} {
		fd, err := open()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f := os.NewFile(uintptr(fd), dir)
		t.Cleanup(func() { f.Close() })
		files[name] = f
	}
	return files
}

// TestStdioHostDirectory (attack, runc CVE-2024-21626's class): a
// directory of the host handed in as Stdin or as an extra file would be a
// descriptor of the host's mount namespace in the command, from which
// openat(fd, "secret") reads what no Bind shows. Under every backend the
// run is refused with a *ConfigError naming the file; the way to give a
// directory is Bind. So is a directory as Stdout or Stderr (a pipe the
// sandbox copies into the file would be no escape, but the copy could only
// fail).
func TestStdioHostDirectory(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("host-secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range []Backend{Native, Landlock, GVisor} {
		t.Run(b.String(), func(t *testing.T) {
			requireBackend(t, b)
			checkLeaks(t)
			k := &kit{b: b, probe: probe(t)}
			k.bin = k.place(k.probe, "/probe") + "/probe"
			for name, f := range hostDirFiles(t, dir) {
				for _, as := range []string{"Stdin", "ExtraFiles"} {
					var out bytes.Buffer
					cmd := exec.Command(k.bin, "openat", "0", "secret")
					cmd.Stdout, cmd.Stderr = &out, &out
					if as == "Stdin" {
						cmd.Stdin = f
					} else {
						cmd.Args[2] = "3"
						cmd.ExtraFiles = []*os.File{f}
					}
					res, err := k.sb().Run(cmd)
					var ue *UnavailableError
					if as == "ExtraFiles" && b == GVisor && errors.As(err, &ue) {
						continue // this runsc cannot pass ExtraFiles at all
					}
					if strings.Contains(out.String(), "host-secret") {
						t.Errorf("%s as %s: the command read the host's file: %s", name, as, out.String())
					}
					var ce *ConfigError
					if !errors.As(err, &ce) || ce.Value != dir || !strings.Contains(err.Error(), as) {
						t.Errorf("%s as %s: %+v %v, want a *ConfigError naming %s", name, as, res, err, dir)
					}
				}
			}
		})
	}
	t.Run("output", func(t *testing.T) {
		checkLeaks(t)
		for name, f := range hostDirFiles(t, dir) {
			for i, as := range []string{"Stdout", "Stderr"} {
				var out bytes.Buffer
				cmd := exec.Command("/probe/probe", "openat", strconv.Itoa(i+1), "secret")
				if i == 0 {
					cmd.Stdout, cmd.Stderr = f, &out
				} else {
					cmd.Stdout, cmd.Stderr = &out, f
				}
				res, err := probeSandbox(t).Run(cmd)
				if strings.Contains(out.String(), "host-secret") {
					t.Errorf("%s as %s: the command read the host's file: %s", name, as, out.String())
				}
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Value != dir || !strings.Contains(err.Error(), as) {
					t.Errorf("%s as %s: %+v %v, want a *ConfigError naming %s", name, as, res, err, dir)
				}
			}
		}
	})
}

// withFreeFDs runs f with only free descriptors left to the process: it
// fills every free slot below the current highest descriptor and sets
// RLIMIT_NOFILE just above them.
func withFreeFDs(t *testing.T, free int, f func()) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	top := 0
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > top {
			top = n
		}
	}
	limit := func(n uint64) {
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: n, Max: old.Max}); err != nil {
			t.Fatal(err)
		}
	}
	var fillers []int
	defer func() {
		unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
		for _, fd := range fillers {
			unix.Close(fd)
		}
	}()
	limit(uint64(top + 1))
	for {
		fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		fillers = append(fillers, fd)
	}
	limit(uint64(top + 1 + free))
	f()
}

// TestSetupStdioFailsClean: a start whose stdio cannot be set up part way
// (here for want of descriptors, at each step in turn) closes every
// descriptor it made, those that only a copy that never started would have
// closed too: the stdin pipe's write end, the caller's Stdout taken before
// Stderr failed. It lowers the whole process's RLIMIT_NOFILE: it must not
// run in parallel with other tests (no t.Parallel).
func TestSetupStdioFailsClean(t *testing.T) {
	out := stdioFile(t, "", os.O_WRONLY)
	errOut := stdioFile(t, "", os.O_WRONLY)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(fds[0]), "socket")
	defer sock.Close()
	defer unix.Close(fds[1])
	for _, c := range []struct {
		name  string
		stdin io.Reader
		need  int // descriptors a setup takes
	}{
		{"reader", strings.NewReader("x"), 8},
		{"socket", sock, 11},
	} {
		for free := 0; ; free++ {
			cmd := exec.Command("true")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = c.stdin, out, errOut
			before := countFDs()
			var s *stdio
			var err error
			withFreeFDs(t, free, func() { s, err = setupStdio(cmd, nil) })
			if err == nil {
				s.closeParentEnds()
				s.wait()
				if free < c.need {
					t.Errorf("%s: set up with %d free descriptors", c.name, free)
				}
				break
			}
			if !errors.Is(err, unix.EMFILE) {
				t.Fatalf("%s, %d free descriptors: %v", c.name, free, err)
			}
			if n := countFDs(); n != before {
				t.Errorf("%s, %d free descriptors: %v; %d descriptors left open", c.name, free, err, n-before)
			}
		}
	}
}

// pipeFDs counts this process's descriptors on pipes.
func pipeFDs() int {
	n := 0
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(l, "pipe:") {
			n++
		}
	}
	return n
}

// TestStdinReaderNeverDelivers: a Stdin reader that never delivers (a
// net.Conn, an io.Pipe) does not keep the run's stdin pipe open after Run
// returns; the copy that reads it ends at the reader's next return.
func TestStdinReaderNeverDelivers(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	r, w := io.Pipe()
	before := pipeFDs()
	cmd := exec.Command("true")
	cmd.Stdin = r
	if res, err := New().Run(cmd); err != nil || res.Status != OK {
		t.Fatalf("%+v %v", res, err)
	}
	if n := pipeFDs(); n != before {
		t.Errorf("%d pipes more after Run, the reader still open", n-before)
	}
	w.Close() // the copy's Read returns: it ends (checkLeaks)
}

// TestStdinSocket: a socket handed in as Stdin reaches the command as a
// pipe the sandbox feeds from it: the command reads what the peer sent,
// but cannot write to the socket (past OutputLimit, uncounted), shut it
// down or change it; the caller's flags stay as they were, and what the
// peer sends after the run is the caller's to read.
func TestStdinSocket(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	mine, peer := socketPair(t, unix.SOCK_STREAM)
	fds := [2]int{int(mine.Fd()), int(peer.Fd())}
	flags := fileFlags(t, mine)
	if _, err := peer.Write([]byte("from-the-peer\n")); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("/probe/probe", "stdin-socket")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = mine, &stdout, &stderr
	pipes := pipeFDs()
	res, err := probeSandbox(t).OutputLimit(1 << 20).Run(cmd)
	if err != nil || res.Status != OK {
		t.Fatalf("%+v %v\n%s", res, err, stderr.String())
	}
	t.Logf("the command's attempts:\n%s%s", stdout.String(), stderr.String())
	if want := `read "from-the-peer\n" <nil>`; !strings.Contains(stdout.String(), want) {
		t.Errorf("the command did not read what the peer sent: %q", stdout.String())
	}
	b := make([]byte, 100)
	if n, _, err := unix.Recvfrom(fds[1], b, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Errorf("the peer got %q from the command (%v)", b[:max(n, 0)], err)
	}
	if n := pipeFDs(); n != pipes {
		t.Errorf("%d pipes more after Run", n-pipes)
	}
	if fl := fileFlags(t, mine); fl != flags {
		t.Errorf("the caller's socket flags changed: %#x → %#x", flags, fl)
	}
	// After the run the socket is the caller's alone, in both directions.
	if _, err := peer.Write([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if n, _, err := unix.Recvfrom(fds[0], b, unix.MSG_DONTWAIT); err != nil || string(b[:n]) != "after" {
		t.Errorf("the caller reads %q (%v) after the run, want \"after\"", b[:max(n, 0)], err)
	}
	if _, err := mine.Write([]byte("back")); err != nil {
		t.Errorf("the caller cannot write to its socket after the run: %v", err)
	}
	// The command reads to the end of what the peer sends.
	peer.Write([]byte("to the end\n"))
	unix.Shutdown(fds[1], unix.SHUT_WR)
	var out bytes.Buffer
	cmd = exec.Command("cat")
	cmd.Stdin, cmd.Stdout = mine, &out
	if res, err := New().Run(cmd); err != nil || res.Status != OK || out.String() != "to the end\n" {
		t.Errorf("cat: %+v %v %q", res, err, out.String())
	}
}

// TestStdinSocketTakesNoMore: what the sandbox takes from a socket given as
// Stdin and the command leaves unread is lost to the caller, so it takes
// no more than the command's stdin pipe holds; the rest stays the
// caller's. And a datagram socket whose reading side is shut down ends the
// command's stdin instead of keeping the copy polling it.
func TestStdinSocketTakesNoMore(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	mine, peer := socketPair(t, unix.SOCK_STREAM)
	fds := [2]int{int(mine.Fd()), int(peer.Fd())}
	unix.SetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	const sent = 1 << 20
	go func() {
		peer.Write(make([]byte, sent))
		unix.Shutdown(fds[1], unix.SHUT_WR)
	}()
	// The command reads nothing; it waits long enough for the copy to
	// have filled its pipe and for what is left to be in the socket.
	cmd := exec.Command("sh", "-c", "sleep 1")
	cmd.Stdin = mine
	if res, err := New().Run(cmd); err != nil || res.Status != OK {
		t.Fatalf("%+v %v", res, err)
	}
	left, err := io.Copy(io.Discard, mine)
	if err != nil {
		t.Fatal(err)
	}
	const pipeSize = 64 << 10 // the kernel's default, and the feed's pipe's
	if taken := sent - left; taken > pipeSize {
		t.Errorf("the sandbox took %d bytes of the socket the command never read, more than its pipe holds (%d)", taken, pipeSize)
	}

	f, sender := socketPair(t, unix.SOCK_DGRAM)
	sender.Write([]byte("one datagram\n"))
	if err := unix.Shutdown(int(f.Fd()), unix.SHUT_RD); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd = exec.Command("cat")
	cmd.Stdin, cmd.Stdout = f, &out
	res, err := New().WallTimeLimit(10 * time.Second).Run(cmd)
	if err != nil || res.Status != OK {
		t.Errorf("cat of a datagram socket shut down for reading: %+v %v (output %q), want it to end at the shut down", res, err, out.String())
	}
}

// socketPair returns a connected pair of unix sockets of type typ (the
// caller's end and its peer's), closed when the test ends.
func socketPair(t *testing.T, typ int) (mine, peer *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, peer = os.NewFile(uintptr(fds[0]), "mine"), os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() {
		mine.Close()
		peer.Close()
	})
	return mine, peer
}
