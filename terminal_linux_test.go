package sandbox

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTerminalRestored: a terminal handed in as stdin (and stdout) is left
// as it was, whatever the command did to it: raw mode without echo,
// another window size, exclusive mode, output stopped.
func TestTerminalRestored(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	const mess = `import fcntl, struct, termios, tty
tty.setraw(0)
fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 10, 20, 0, 0))
fcntl.ioctl(0, termios.TIOCEXCL)
termios.tcflow(0, termios.TCOOFF)
print(termios.tcgetattr(0)[3] & termios.ECHO, fcntl.ioctl(0, termios.TIOCGWINSZ, bytes(8)) != struct.pack('HHHH', 24, 80, 0, 0), file=__import__('sys').stderr)`
	cmd := exec.Command("python3", "-c", mess)
	cmd.Stdin = pts
	var out strings.Builder
	cmd.Stderr = &out
	res, err := New().Run(cmd)
	if err != nil || res.Status != OK {
		t.Fatalf("%+v %v %s", res, err, out.String())
	}
	if strings.TrimSpace(out.String()) != "0 True" {
		t.Fatalf("the command did not change the terminal: %q", out.String())
	}

	fd := int(pts.Fd())
	after, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("termios changed: %+v, was %+v", *after, *before)
	}
	if ws, _ := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); ws == nil || ws.Row != 24 || ws.Col != 80 {
		t.Errorf("window size changed: %+v", ws)
	}
	if excl, err := unix.IoctlGetInt(fd, unix.TIOCGEXCL); err != nil || excl != 0 {
		t.Errorf("left in exclusive mode: %d %v", excl, err)
	}
	// Output flows: a write that does not block reaches the master.
	n, _ := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	w, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_WRONLY|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := unix.Write(int(w.Fd()), []byte("flowing\n")); err != nil {
		t.Fatalf("output still stopped: write: %v", err)
	}
	ptmx.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	if k, err := ptmx.Read(buf); err != nil || !strings.Contains(string(buf[:k]), "flowing") {
		t.Errorf("output still stopped: read %q %v", buf[:k], err)
	}
}
