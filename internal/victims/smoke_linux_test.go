package victims

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// TestSmokeUnprivileged runs every attack outside any sandbox as uid
// 65534 with no capability and no_new_privs (through setpriv, so the
// program never runs as root), and checks only the protocol: one line,
// BLOCKED with exit 0 or ESCAPED with exit 42 (the foreign-ABI attacks may
// also die by SIGSYS). Outside a sandbox several attacks succeed by
// design; which ones depends on the host, so no verdict is asserted here.
func TestSmokeUnprivileged(t *testing.T) {
	testutil.RequireRoot(t) // to switch to uid 65534 with setpriv
	setpriv := testutil.RequireTool(t, "setpriv", "util-linux")
	bin := filepath.Join(Build(t), "victim")
	marker := filepath.Join(t.TempDir(), "marker")
	if err := os.WriteFile(marker, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	abstract := fmt.Sprintf("sandbox-victims-smoke-%d", os.Getpid())
	al, err := net.Listen("unix", "@"+abstract)
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	host := Host{Marker: marker, PID: os.Getpid(), Port: ln.Addr().(*net.TCPAddr).Port, Abstract: abstract}

	for _, a := range Attacks {
		t.Run(a.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
				"--bounding-set=-all", "--no-new-privs", bin}, a.Args(host)...)
			cmd := exec.CommandContext(ctx, setpriv, args...)
			out, err := cmd.CombinedOutput()
			line := strings.TrimSpace(string(out))
			code := 0
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee) && ee.ExitCode() >= 0:
				code = ee.ExitCode()
			case errors.As(err, &ee) && a.ForeignABI != "":
				sig := ee.Sys().(syscall.WaitStatus).Signal()
				if sig == syscall.SIGSYS {
					t.Logf("killed by SIGSYS: a seccomp filter on the host")
					return
				}
				if reached, evidence := a.ReachesFilter(Outcome{Signal: sig, Output: line}); !reached {
					testutil.SkipProved(t, a.ForeignABI, evidence)
				}
				t.Fatalf("%v: %s", err, out)
			case err != nil:
				t.Fatalf("%v: %s", err, out)
			}
			t.Log(line)
			if strings.Contains(line, "\n") {
				t.Errorf("more than one line: %q", line)
			}
			switch {
			case code == 0 && strings.HasPrefix(line, "BLOCKED "+a.Name+": "):
			case code == 42 && strings.HasPrefix(line, "ESCAPED "+a.Name+": "):
			default:
				t.Errorf("exit %d: %q", code, line)
			}
		})
	}
}
