package sandbox

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
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
			startEmbedder(t, cmd)
			// Per run: init, sh, and four sleeps, one of them in a session of
			// its own; and the embedder itself.
			if n := awaitProcesses(marker, 1+3*6, 5*time.Second); n < 1+3*6 {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%d processes of the runs before the kill, want %d", n-1, 3*6)
			}
			killEmbedder(t, cmd, marker, 5*time.Second)
		})
	}
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
		p := startOnExitingThread(t, sb, exec.Command("sh", "-c", "sleep 0.5; echo done"))
		res, err := p.Wait()
		if err != nil || res.Status != OK {
			t.Errorf("%s: the run died with the thread that started it: %+v %v", name, res, err)
		}
	}
}
