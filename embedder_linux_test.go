package sandbox

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const embedderEnv = "SANDBOX_TEST_EMBEDDER"

// embedderMain is an embedding process that TestSandboxDiesWithEmbedder
// kills: it starts runs in the namespaces spec names ("<bits>:<marker>")
// whose trees leave the command's process group and session, says
// "ready" and waits.
func embedderMain(spec string) int {
	bits, marker, _ := strings.Cut(spec, ":")
	n, _ := strconv.Atoi(bits)
	var list []Namespace
	for i := range len(nsNames) {
		if ns := Namespace(1) << i; Namespace(n)&ns != 0 {
			list = append(list, ns)
		}
	}
	sb := New().Namespaces(list...)
	tree := "(setsid sleep " + marker + " &); (sleep " + marker + " &); sleep " + marker + " & sleep " + marker
	for range 3 {
		if _, err := sb.Start(exec.Command("sh", "-c", tree)); err != nil {
			println("start:", err.Error())
			return 1
		}
	}
	println("ready")
	time.Sleep(time.Hour)
	return 0
}

// TestSandboxDiesWithEmbedder: kill -9 of the embedding process ends every
// process of its runs — init, the command, and what the command started
// in other process groups and sessions — in every namespace combination,
// with and without a PID namespace, with and without a user namespace, as
// root and rootless.
func TestSandboxDiesWithEmbedder(t *testing.T) {
	requireRoot(t)
	base := Net | Mount | IPC | UTS
	// A user namespace without a PID namespace cannot mount /proc: no Mount.
	for i, tt := range []struct {
		ns       Namespace
		rootless bool
	}{
		{base | PID | Cgroup, false},
		{base, false},
		{base | PID | User, false},
		{Net | IPC | UTS | User, false},
		{base | PID | User, true},
		{Net | IPC | UTS | User, true},
	} {
		name := tt.ns.String()
		if tt.rootless {
			name = "rootless " + name
		}
		t.Run(name, func(t *testing.T) {
			marker := "1001." + strconv.Itoa(os.Getpid()) + strconv.Itoa(i)
			// The marker is the embedder's argument too, so its inits
			// (copies of it) are found with it.
			var cmd *exec.Cmd
			if tt.rootless {
				cmd = rootlessCmd(t, "-embedder="+marker)
			} else {
				self, _ := os.Executable()
				cmd = exec.Command(self, "-embedder="+marker)
				cmd.Env = os.Environ()
			}
			cmd.Env = append(cmd.Env, embedderEnv+"="+strconv.Itoa(int(tt.ns))+":"+marker)
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(stderr).ReadString('\n')
			if strings.TrimSpace(line) != "ready" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("embedder said %q", line)
			}
			// Per run: init, sh, and four sleeps, one of them in a session of
			// its own; and the embedder itself.
			deadline := time.Now().Add(5 * time.Second)
			for n := len(processesWith(marker)); n < 1+3*6; n = len(processesWith(marker)) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("%d processes of the runs before the kill, want %d", n-1, 3*6)
				}
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			deadline = time.Now().Add(5 * time.Second)
			for len(processesWith(marker)) > 0 {
				if time.Now().After(deadline) {
					left := processesWith(marker)
					for _, pid := range left {
						syscall.Kill(pid, syscall.SIGKILL)
					}
					t.Fatalf("processes outlived the embedder: %v", describeProcesses(left))
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// describeProcesses names processes by pid and command line.
func describeProcesses(pids []int) []string {
	var out []string
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		out = append(out, strconv.Itoa(pid)+" "+strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " "))
	}
	return out
}

// TestRunOutlivesStartingThread: a run started by a goroutine that then
// ends locked to its OS thread (which takes the thread with it) goes on: a
// parent-death signal tied to that thread would kill it
// (go.dev/issue/27505).
func TestRunOutlivesStartingThread(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	for name, sb := range map[string]*Sandbox{
		"defaults":         New(),
		"no PID namespace": New().Namespaces(Net, Mount, IPC, UTS),
		"user namespace":   New().Namespaces(PID, Mount, User),
	} {
		started := make(chan *Process)
		errs := make(chan error, 1)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			p, err := sb.Start(exec.Command("sh", "-c", "sleep 0.5; echo done"))
			if err != nil {
				errs <- err
				return
			}
			started <- p
		}()
		var p *Process
		select {
		case err := <-errs:
			t.Fatal(err)
		case p = <-started:
		}
		res, err := p.Wait()
		if err != nil || res.Status != OK {
			t.Errorf("%s: the run died with the thread that started it: %+v %v", name, res, err)
		}
	}
}
