package sandbox

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/testutil"
	"github.com/sandboxkit/sandbox/internal/victims"
)

// openPTY returns a terminal pair: the command gets the terminal as stdin.
func openPTY(t *testing.T) (*os.File, *os.File) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ptmx, pts
}

// openTempDir is t.TempDir with mode mode, in a parent any user may
// enter: what keeps the command out is then the sandbox, not the test's
// 0700 parent directory.
func openTempDir(t *testing.T, mode os.FileMode) string {
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, mode)
	return dir
}

// escapeHost sets up the bait the attacks reach for: a host file in a
// directory anyone may write to, a host TCP listener, a host abstract
// socket, host unix sockets anyone may use, a host SysV segment.
func escapeHost(t *testing.T) victims.Host {
	dir := openTempDir(t, 0o1777)
	marker := filepath.Join(dir, "host-secret")
	os.WriteFile(marker, []byte("secret"), 0o644)
	for _, kind := range []string{"unix", "unixgram"} {
		name := marker + ".sock"
		var c io.Closer
		var err error
		if kind == "unixgram" {
			name = marker + ".dgram"
			c, err = net.ListenUnixgram(kind, &net.UnixAddr{Name: name, Net: kind})
		} else {
			c, err = net.Listen(kind, name)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		os.Chmod(name, 0o777)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	abstract := fmt.Sprintf("sandbox-test-%d", os.Getpid())
	al, err := net.Listen("unix", "@"+abstract)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	shm, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.SysvShmCtl(shm, unix.IPC_RMID, nil) })
	return victims.Host{Marker: marker, PID: os.Getpid(), Port: ln.Addr().(*net.TCPAddr).Port, Abstract: abstract}
}

// runAttack runs one attack of the victim program (bound at /v) in sb.
func runAttack(t *testing.T, sb *Sandbox, a victims.Attack, host victims.Host, tty *os.File) victims.Outcome {
	t.Helper()
	cmd := exec.Command("/v/victim", a.Args(host)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if a.Needs&victims.NeedTTY != 0 {
		cmd.Stdin = tty
	}
	res, err := sb.Run(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return victims.Outcome{Exited: res.ExitCode >= 0, ExitCode: res.ExitCode, Signal: res.Signal, Output: out.String()}
}

// TestEscapes runs every attack of internal/victims inside New() and
// asserts it was stopped: a BLOCKED line, or death by SIGSYS from the
// seccomp filter for the foreign system call ABIs. A foreign-ABI attack is
// first run with no filter: where its call does not even reach the system
// call entry on this kernel (int 0x80 without IA-32 emulation), it reports
// itself not applicable, with that run as the proof.
func TestEscapes(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := victims.Build(t)
	host := escapeHost(t)
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	hostname, _ := os.Hostname()
	sb := New().Bind(dir, "/v")
	defer sb.Close()
	bare := New().Seccomp(nil).Bind(dir, "/v")
	defer bare.Close()
	for _, a := range victims.Attacks {
		t.Run(a.Name, func(t *testing.T) {
			if a.ForeignABI != "" {
				reached, evidence := a.ReachesFilter(runAttack(t, bare, a, host, pts))
				if !reached {
					testutil.SkipProved(t, a.ForeignABI, evidence)
				}
				t.Logf("with no filter: %s", evidence)
			}
			if err := a.Check(runAttack(t, sb, a, host, pts)); err != nil {
				t.Error(err)
			}
		})
	}
	if h, _ := os.Hostname(); h != hostname {
		t.Errorf("host name changed: %q → %q", hostname, h)
	}
	if b, err := os.ReadFile(host.Marker); err != nil || string(b) != "secret" {
		t.Errorf("host marker changed: %q %v", b, err)
	}
}

// TestEscapesWithoutSeccomp: what the namespaces, the root, the identity
// and the missing controlling terminal stop on their own.
func TestEscapesWithoutSeccomp(t *testing.T) {
	requireRoot(t)
	dir := victims.Build(t)
	host := escapeHost(t)
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	sb := New().Seccomp(nil).Bind(dir, "/v")
	defer sb.Close()
	for _, a := range victims.Attacks {
		// Terminal injection is stopped without the filter too: the
		// command cannot make the terminal its controlling one.
		terminal := a.Name == "tiocsti" || a.Name == "tiocsti-ctty"
		if (a.NeedsSeccomp && !terminal) || a.Name == "syslog" {
			continue
		}
		if err := a.Check(runAttack(t, sb, a, host, pts)); err != nil {
			t.Errorf("without seccomp: %v", err)
		}
	}
}

// TestEscapeTableInREADME: the README's security section holds the table
// victims.MarkdownTable generates, with the GVisor column
// (SANDBOX_UPDATE_README=1 rewrites it).
func TestEscapeTableInREADME(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(victims.Attacks) < 40 {
		t.Errorf("only %d attacks", len(victims.Attacks))
	}
	table := victims.MarkdownTable(gvisorColumn)
	start := strings.Index(string(readme), "| attack | class |")
	end := start + strings.Index(string(readme[max(start, 0):]), "\n\n") + 1
	if start < 0 || end <= start {
		t.Fatal("README has no table of attacks")
	}
	if string(readme[start:end]) == table {
		return
	}
	if os.Getenv("SANDBOX_UPDATE_README") != "" {
		if err := os.WriteFile("README.md", append(append(readme[:start:start], table...), readme[end:]...), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("README's table of attacks is not victims.MarkdownTable(gvisorColumn): run SANDBOX_UPDATE_README=1 go test -run TestEscapeTableInREADME .")
}
