package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// The same behaviour under every backend: TestBackends runs each case of
// backendCases in one column per backend. A backend this host cannot run
// skips its column with the reason its probe gave (Backend.Available runs
// the backend), also under CI=true (the cgroup v2 VM, say), except where
// SANDBOX_REQUIRE_BACKENDS names it (.ci/run sets "native,landlock,gvisor"
// on the host, where it installs runsc): there the column must run. Where
// backends differ on purpose a case says so in one place, with the
// reason; README's sections on the Landlock and GVisor backends list the
// same differences. Under Landlock, which has no mount namespace, host
// directories are bound in place (kit.place).

// requireBackendsEnv names the backends that must be available (CI).
const requireBackendsEnv = "SANDBOX_REQUIRE_BACKENDS"

// requireBackend skips t unless this host can run b, and fails where b is
// required.
func requireBackend(t testing.TB, b Backend) {
	t.Helper()
	err := b.Available()
	if err == nil {
		return
	}
	for _, name := range strings.Split(os.Getenv(requireBackendsEnv), ",") {
		if strings.TrimSpace(name) == b.String() {
			t.Fatalf("%s=%s, but %v", requireBackendsEnv, os.Getenv(requireBackendsEnv), err)
		}
	}
	testutil.SkipProved(t, "the "+b.String()+" backend", err.Error())
}

// kit is what a case gets: its backend, and sandboxes of it.
type kit struct {
	b     Backend
	probe string // the probe's directory on the host
	bin   string // the probe program inside the sandbox
}

// place is where the host's dir shows in the sandbox when a case asks for
// dst: there, or in place under Landlock (no mount namespace).
func (k *kit) place(dir, dst string) string {
	if k.b == Landlock {
		return dir
	}
	return dst
}

// sb returns a sandbox of the column's backend with the probe bound.
func (k *kit) sb() *Sandbox {
	return New().Backend(k.b).Bind(k.probe, k.place(k.probe, "/probe"))
}

// run runs argv in sb and returns the result and what it printed.
func (k *kit) run(t *testing.T, sb *Sandbox, argv ...string) (*Result, string) {
	t.Helper()
	res, out := run(t, sb, argv...)
	t.Logf("%q: %+v", argv, res)
	return res, out
}

// backendCases are the behaviours every backend shares.
var backendCases = []struct {
	name string
	run  func(t *testing.T, k *kit)
}{
	{"stdin stdout exit code", func(t *testing.T, k *kit) {
		cmd := exec.Command("sh", "-c", "read x; echo got $x; echo err >&2; exit 7")
		var out, errOut bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader("hello\n"), &out, &errOut
		res, err := k.sb().Run(cmd)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != NonZeroExit || res.ExitCode != 7 || out.String() != "got hello\n" || errOut.String() != "err\n" {
			t.Errorf("%+v stdout %q stderr %q", res, out.String(), errOut.String())
		}
	}},
	{"exit 0 is OK", func(t *testing.T, k *kit) {
		if res, out := k.run(t, k.sb(), "true"); res.Status != OK || res.ExitCode != 0 {
			t.Errorf("%+v %s", res, out)
		}
	}},
	{"files as stdio", func(t *testing.T, k *kit) {
		// Files are read and written at their offsets, as the caller left
		// them, and one file may be both stdout and stderr.
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		os.WriteFile(in, []byte("skipped\nfrom a file\n"), 0o644)
		fin, _ := os.Open(in)
		defer fin.Close()
		fin.Seek(8, 0)
		fout, _ := os.Create(filepath.Join(dir, "out"))
		defer fout.Close()
		fout.WriteString("first\n")
		cmd := exec.Command("sh", "-c", "cat; echo err >&2")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = fin, fout, fout
		if res, err := k.sb().Run(cmd); err != nil || res.Status != OK {
			t.Fatalf("%+v %v", res, err)
		}
		fout.WriteString("last\n")
		if b, _ := os.ReadFile(filepath.Join(dir, "out")); string(b) != "first\nfrom a file\nerr\nlast\n" {
			t.Errorf("out %q", b)
		}
	}},
	{"signal is Signaled", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb(), "sh", "-c", "kill -SEGV $$")
		if res.Status != Signaled || res.Signal != syscall.SIGSEGV || res.ExitCode != -1 {
			t.Errorf("%+v %s", res, out)
		}
		// An exit code of 128+n is an exit code, not a signal.
		res, out = k.run(t, k.sb(), "sh", "-c", "exit 139")
		if res.Status != NonZeroExit || res.ExitCode != 139 || res.Signal != 0 {
			t.Errorf("exit 139: %+v %s", res, out)
		}
	}},
	{"a limit's signal raised by the command is Signaled", func(t *testing.T, k *kit) {
		// SIGXCPU and SIGXFSZ are what RLIMIT_CPU and RLIMIT_FSIZE send,
		// but a command may send them to itself: without the sandbox's
		// own evidence (CPU time at the limit, bytes counted past it) the
		// verdict is the signal's, not a limit's.
		// The limits are far above what the run takes: under GVisor the
		// CPU time counts the Sentry's work, and in CI's emulated VM a
		// shell that only signals itself costs 2 s of it there.
		for _, c := range []struct {
			sb  *Sandbox
			sig syscall.Signal
		}{
			{k.sb().CPUTimeLimit(30 * time.Second), syscall.SIGXCPU},
			{k.sb().OutputLimit(1 << 20), syscall.SIGXFSZ},
		} {
			name := strings.TrimPrefix(unix.SignalName(c.sig), "SIG")
			res, out := k.run(t, c.sb.WallTimeLimit(60*time.Second), "sh", "-c", "kill -s "+name+" $$")
			if res.Status != Signaled || res.Signal != c.sig {
				t.Errorf("kill -s %s: %+v, want Signaled by %v\n%s", name, res, c.sig, out)
			}
		}
	}},
	{"command not found", func(t *testing.T, k *kit) {
		for _, name := range []string{"no-such-command-xyz", "/no/such/file"} {
			res, _, err := runErr(context.Background(), k.sb(), name)
			if !errors.Is(err, ErrCommandNotFound) || res != nil {
				t.Errorf("%s: %+v, err = %v, want no Result and ErrCommandNotFound", name, res, err)
			}
		}
	}},
	{"identity", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb(), "cat", "/proc/self/status")
		if res.Status != OK {
			t.Fatalf("%+v %s", res, out)
		}
		for _, re := range []string{`(?m)^CapEff:\s+0+$`, `(?m)^CapPrm:\s+0+$`, `(?m)^CapBnd:\s+0+$`, `(?m)^CapInh:\s+0+$`} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("%s not in\n%s", re, out)
			}
		}
		// A root caller's Native and Landlock runs each get a host uid of
		// their own from UIDRange (no user namespace), for per-run kernel
		// budgets; under GVisor the command is 65534 of its own Sentry,
		// which keeps those budgets per run itself.
		m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`).FindStringSubmatch(out)
		g := regexp.MustCompile(`(?m)^Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`).FindStringSubmatch(out)
		if m == nil || g == nil || len(slices.Compact(append(m[1:], g[1:]...))) != 1 {
			t.Fatalf("uids and gids not all one id:\n%s", out)
		}
		id, _ := strconv.Atoi(m[1])
		if k.b == GVisor && id != 65534 || k.b != GVisor && (id < DefaultUIDFirst || id >= DefaultUIDFirst+DefaultUIDCount) {
			t.Errorf("%s runs as %d", k.b, id)
		}
		if res, out := k.run(t, k.sb().RunAs(1234, 4321), k.bin, "uid"); res.Status != OK || out != "1234 4321\n" {
			t.Errorf("RunAs: %+v %q", res, out)
		}
	}},
	{"statistics", func(t *testing.T, k *kit) {
		cmd := exec.Command("sh", "-c", "echo hello; echo err >&2")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		res, err := k.sb().Run(cmd)
		if err != nil || res.Status != OK {
			t.Fatalf("%+v %v", res, err)
		}
		if res.StdoutBytes != 6 || res.StderrBytes != 4 {
			t.Errorf("StdoutBytes %d, StderrBytes %d, want 6 and 4", res.StdoutBytes, res.StderrBytes)
		}
		if k.b != GVisor {
			return
		}
		// Under GVisor the rest would be the Sentry's and the Gofer's:
		// unknown, not made up.
		for name, v := range map[string]int64{"VoluntarySwitches": res.VoluntarySwitches, "ForcedSwitches": res.ForcedSwitches,
			"MaxRSS": res.MaxRSS, "DiskReadBytes": res.DiskReadBytes, "DiskWriteBytes": res.DiskWriteBytes,
			"Processes": res.Processes, "ProcessesPeak": res.ProcessesPeak} {
			if v != -1 {
				t.Errorf("%s = %d, want -1", name, v)
			}
		}
	}},
	{"host name", func(t *testing.T, k *kit) {
		if k.b == Landlock { // no UTS namespace: refused, not ignored
			_, _, err := runErr(context.Background(), k.sb().Hostname("judge-7"), "true")
			if ce := (*ConfigError)(nil); !errors.As(err, &ce) || ce.Method != "Hostname" {
				t.Errorf("Hostname under Landlock: %v, want a *ConfigError", err)
			}
			return
		}
		if res, out := k.run(t, k.sb().Hostname("judge-7"), "cat", "/proc/sys/kernel/hostname"); res.Status != OK || out != "judge-7\n" {
			t.Errorf("%+v %q", res, out)
		}
	}},
	{"environment and directory", func(t *testing.T, k *kit) {
		cmd := exec.Command("sh", "-c", `echo "$FOO|$PATH|$HOME|$(pwd)"`)
		cmd.Env, cmd.Dir = []string{"FOO=bar"}, "/tmp"
		var out bytes.Buffer
		cmd.Stdout = &out
		if res, err := k.sb().Run(cmd); err != nil || res.Status != OK {
			t.Fatalf("%+v %v", res, err)
		}
		home := ""
		if k.b == GVisor {
			home = "/tmp" // runsc sets HOME from /etc/passwd when the environment has none
		}
		if want := "bar|" + defaultPath + "|" + home + "|/tmp\n"; out.String() != want {
			t.Errorf("got %q, want %q", out.String(), want)
		}
	}},
	{"host files hidden", func(t *testing.T, k *kit) {
		dir := t.TempDir()
		os.Chmod(dir, 0o755)
		secret := filepath.Join(dir, "secret")
		os.WriteFile(secret, []byte("host secret"), 0o644)
		for _, p := range []string{secret, "/root", "/home", "/var", "/etc/shadow", "/etc/hostname", "/run"} {
			if res, out := k.run(t, k.sb(), k.bin, "cat", p); res.Status == OK || strings.Contains(out, "host secret") {
				t.Errorf("%s readable: %+v %q", p, res, out)
			}
		}
		// The system directories are there, read-only.
		if res, out := k.run(t, k.sb(), k.bin, "write", "/usr/x"); res.Status != NonZeroExit {
			t.Errorf("/usr writable: %+v %s", res, out)
		}
		if res, out := k.run(t, k.sb(), k.bin, "write", "/x"); res.Status != NonZeroExit {
			t.Errorf("/ writable: %+v %s", res, out)
		}
	}},
	{"binds and tmpfs", func(t *testing.T, k *kit) {
		ro, rw := t.TempDir(), t.TempDir()
		os.Chmod(filepath.Dir(ro), 0o755) // reached by path under Landlock
		os.Chmod(ro, 0o755)
		os.Chmod(rw, 0o777)
		os.WriteFile(filepath.Join(ro, "f"), []byte("bound"), 0o644)
		in, outDir, scratch, tmp := k.place(ro, "/in"), k.place(rw, "/out"), "/scratch", "/tmp"
		sb := k.sb().Bind(ro, in).BindWritable(rw, outDir)
		if k.b == Landlock {
			// No mount namespace: no Tmpfs (a *ConfigError), and the
			// run's own writable directory is $TMPDIR, not /tmp.
			scratch, tmp = "$TMPDIR", "$TMPDIR"
		} else {
			sb.Tmpfs(scratch, 1<<20)
		}
		res, out := k.run(t, sb, "sh", "-c", "cat "+in+"/f && ! echo x 2>/dev/null >"+in+"/g && echo y >"+outDir+"/g && echo z >"+scratch+"/h && cat "+scratch+"/h")
		if res.Status != OK || out != "boundz\n" {
			t.Errorf("%+v %q", res, out)
		}
		if b, err := os.ReadFile(filepath.Join(rw, "g")); err != nil || string(b) != "y\n" {
			t.Errorf("BindWritable: %q %v", b, err)
		}
		// Each run's /tmp is its own and starts empty.
		for range 2 {
			if res, out := k.run(t, k.sb(), "sh", "-c", "set -- "+tmp+"/*; test \"$1\" = \""+tmp+"/*\" && echo x >"+tmp+"/mine"); res.Status != OK {
				t.Errorf("/tmp: %+v %s", res, out)
			}
		}
	}},
	{"no network", func(t *testing.T, k *kit) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if res, out := k.run(t, k.sb(), k.bin, "connect", ln.Addr().String()); res.Status == OK {
			t.Errorf("reached the host's loopback: %s", out)
		}
		res, out := k.run(t, k.sb(), k.bin, "listen-lo")
		if k.b == Landlock {
			// No network namespace: no socket at all, so no loopback.
			if res.Status == OK {
				t.Errorf("a socket under Landlock: %s", out)
			}
		} else if res.Status != OK || out != "loopback ok\n" {
			t.Errorf("own loopback: %+v %s", res, out)
		}
	}},
	{"no host processes", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb(), k.bin, "ls", "/proc")
		if res.Status != OK {
			t.Fatalf("%+v %s", res, out)
		}
		var pids []string
		for _, f := range strings.Fields(out) {
			if _, err := strconv.Atoi(f); err == nil {
				pids = append(pids, f)
			}
		}
		if k.b == Landlock {
			// No PID namespace: host processes are listed, as to any user
			// (README: "What a command can still see").
			if !slices.Contains(pids, strconv.Itoa(os.Getpid())) {
				t.Errorf("Landlock: the embedder is not listed: %v", pids)
			}
			return
		}
		if len(pids) == 0 || len(pids) > 4 || slices.Contains(pids, strconv.Itoa(os.Getpid())) {
			t.Errorf("processes visible: %v", pids)
		}
	}},
	{"MemoryLimitExceeded", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb().MemoryLimit(64<<20), k.bin, "alloc", "200")
		if res.Status != MemoryLimitExceeded {
			t.Errorf("hog: %+v %s", res, out)
		}
		res, out = k.run(t, k.sb().MemoryLimit(256<<20), k.bin, "alloc", "50")
		if res.Status != OK || res.MemoryPeak < 50<<20 || res.MemoryPeak > 256<<20 {
			t.Errorf("50 MiB under 256 MiB: %+v %s", res, out)
		}
	}},
	{"CPUTimeLimitExceeded", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb().CPUTimeLimit(time.Second).WallTimeLimit(30*time.Second), k.bin, "spin", "60s")
		if res.Status != CPUTimeLimitExceeded || res.CPUTime < time.Second || res.CPUTime > 2*time.Second {
			t.Errorf("%+v %s", res, out)
		}
	}},
	{"CPUQuota", func(t *testing.T, k *kit) {
		// At half a core a thread that burns 0.5 s of CPU takes about 1 s.
		res, out := k.run(t, k.sb().CPUQuota(0.5), k.bin, "spin-threads", "1", "500ms")
		if res.Status != OK {
			t.Fatalf("%+v %s", res, out)
		}
		if ratio := float64(res.WallTime) / float64(res.CPUTime); ratio < 1.6 || ratio > 10 { // over 2 when the machine is busy: at a load of 10, a share of 0.2 CPU is 5
			t.Errorf("wall %v / cpu %v = %.2f, want about 2 (1.6 to 10)", res.WallTime, res.CPUTime, ratio)
		}
	}},
	{"WallTimeLimitExceeded", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb().WallTimeLimit(3*time.Second), k.bin, "sleep", "60s")
		if res.Status != WallTimeLimitExceeded || res.WallTime < 3*time.Second || res.WallTime > 10*time.Second {
			t.Errorf("%+v %s", res, out)
		}
	}},
	{"OutputLimitExceeded", func(t *testing.T, k *kit) {
		var buf bytes.Buffer
		cmd := exec.Command(k.bin, "flood", "-")
		cmd.Stdout = &buf
		res, err := k.sb().OutputLimit(100_000).WallTimeLimit(30 * time.Second).Run(cmd)
		if err != nil || res.Status != OutputLimitExceeded || buf.Len() != 100_000 {
			t.Errorf("%+v %v, got %d bytes", res, err, buf.Len())
		}
	}},
	{"fork bomb under PidsLimit", func(t *testing.T, k *kit) {
		res, out := k.run(t, k.sb().PidsLimit(64).WallTimeLimit(5*time.Second), "sh", "-c", "b() { b | b & }; b; sleep 1000")
		if res.Status == OK {
			t.Errorf("fork bomb exited OK: %+v %s", res, out)
		}
	}},
	{"concurrent runs of one Sandbox", func(t *testing.T, k *kit) {
		sb := k.sb().MemoryLimit(128 << 20)
		errs := make(chan error, 4)
		for i := range 4 {
			go func() {
				var out bytes.Buffer
				cmd := exec.Command("sh", "-c", "echo $1", "sh", strconv.Itoa(i))
				cmd.Stdout = &out
				res, err := sb.Run(cmd)
				if err == nil && (res.Status != OK || out.String() != strconv.Itoa(i)+"\n") {
					err = fmt.Errorf("run %d: %+v %q", i, res, out.String())
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}},
	{"Interact", func(t *testing.T, k *kit) {
		in, err := Interact(context.Background(),
			k.sb().WallTimeLimit(30*time.Second), exec.Command("sh", "-c", "read x; echo $((x+1))"),
			k.sb().WallTimeLimit(30*time.Second), exec.Command("sh", "-c", `echo 41; read y; test "$y" = 42`))
		if err != nil || in.Result.Status != OK || in.PeerResult.Status != OK {
			t.Errorf("%+v %v", in, err)
		}
	}},
	{"run outlives the thread that started it", func(t *testing.T, k *kit) {
		p := startOnExitingThread(t, k.sb(), exec.Command("sh", "-c", "sleep 2; echo done"))
		if res, err := p.Wait(); err != nil || res.Status != OK {
			t.Errorf("the run died with the thread that started it: %+v %v", res, err)
		}
	}},
	{"terminal restored", func(t *testing.T, k *kit) {
		ptmx, pts := openPTY(t)
		defer ptmx.Close()
		defer pts.Close()
		unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
		before, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("python3", "-c", "import fcntl, struct, termios, tty\ntry:\n  tty.setraw(0)\n"+
			"except termios.error:\n  print('not a terminal'); exit()\n"+
			"fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 10, 20, 0, 0))\nprint(termios.tcgetattr(0)[3] & termios.ECHO)")
		cmd.Stdin = pts
		var out bytes.Buffer
		cmd.Stdout = &out
		res, err := k.sb().Run(cmd)
		// Under GVisor (runsc 20221219) a terminal handed in is a plain
		// host file to the Sentry: terminal ioctls fail with ENOTTY.
		if err != nil || res.Status != OK || (out.String() != "0\n" && (k.b != GVisor || out.String() != "not a terminal\n")) {
			t.Fatalf("the command did not change the terminal: %+v %v %q", res, err, out.String())
		}
		if after, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS); err != nil || *after != *before {
			t.Errorf("termios changed: %+v, was %+v (%v)", after, before, err)
		}
		if ws, _ := unix.IoctlGetWinsize(int(pts.Fd()), unix.TIOCGWINSZ); ws == nil || ws.Row != 24 || ws.Col != 80 {
			t.Errorf("window size changed: %+v", ws)
		}
	}},
	{"Kill", func(t *testing.T, k *kit) {
		p, err := k.sb().Start(exec.Command("sleep", "1000"))
		if err != nil {
			t.Fatal(err)
		}
		if p.Pid() <= 0 {
			t.Errorf("Pid %d", p.Pid())
		}
		time.Sleep(200 * time.Millisecond)
		p.Kill()
		res, err := p.Wait()
		if err != nil || res.Status != Killed {
			t.Errorf("%+v %v", res, err)
		}
		if err := p.Kill(); err != nil {
			t.Errorf("Kill after Wait: %v", err)
		}
	}},
	{"context", func(t *testing.T, k *kit) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		res, _, err := runErr(ctx, k.sb(), "sleep", "1000")
		if !errors.Is(err, context.Canceled) || res == nil || res.Status != Killed {
			t.Errorf("%+v %v", res, err)
		}
	}},
	{"bad bind source", func(t *testing.T, k *kit) {
		_, _, err := runErr(context.Background(), k.sb().Bind("/no/such/dir", k.place("/no/such/dir", "/x")), "true")
		var se *SetupError
		if !errors.As(err, &se) || se.Path != "/no/such/dir" || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v", err)
		}
	}},
}

// TestBackends runs every case of backendCases under every backend.
func TestBackends(t *testing.T) {
	requireRoot(t)
	dir := probe(t)
	for _, b := range []Backend{Native, Landlock, GVisor} {
		t.Run(b.String(), func(t *testing.T) {
			requireBackend(t, b)
			checkLeaks(t)
			checkCgroups(t)
			checkRunDirs(t)
			k := &kit{b: b, probe: dir}
			k.bin = k.place(dir, "/probe") + "/probe"
			for _, c := range backendCases {
				t.Run(c.name, func(t *testing.T) { c.run(t, k) })
			}
		})
	}
}

// checkRunDirs fails the test if a GVisor run of this process leaves
// anything of its own behind: its directory, a mount below it (newer
// runsc pins a network namespace at <--root>/null-netns), or a runsc,
// Sentry or Gofer process (their command lines name the directory).
func checkRunDirs(t *testing.T) {
	own := filepath.Join(gvisorBase, fmt.Sprintf("sandbox-%d-", os.Getpid()))
	t.Cleanup(func() {
		dirs, _ := filepath.Glob(own + "*")
		for _, d := range dirs {
			t.Errorf("run directory left behind: %s", d)
		}
		b, _ := os.ReadFile("/proc/self/mountinfo")
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, " "+own) {
				t.Errorf("mount left behind: %s", line)
			}
		}
		// runsc is reaped before Wait returns; the Sentry and the Gofer
		// are killed with the run's cgroup, and may take a moment to go.
		deadline := time.Now().Add(2 * time.Second)
		for len(processesWith(own)) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if pids := processesWith(own); len(pids) > 0 {
			t.Errorf("runsc processes left behind: %v", pids)
		}
	})
}
