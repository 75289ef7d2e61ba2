package sandbox

import (
	"strings"
	"testing"
)

// TestReuseIsClean: a second run of the same Sandbox sees nothing of the
// first — files, sockets, SysV IPC, processes, cgroup counters — though it
// reuses the first's network namespace when that is clean.
func TestReuseIsClean(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := probeSandbox(t).MemoryLimit(256 << 20)
	defer sb.Close()
	netns := func() string {
		_, out := run(t, sb, "readlink", "/proc/self/ns/net")
		return strings.TrimSpace(out)
	}
	a, b := netns(), netns()
	if a != b {
		t.Errorf("a clean network namespace was not reused: %s then %s", a, b)
	}
	// Run 1 leaves all it can: a file, a SysV segment, a process, a TCP
	// connection the client closed first (TIME_WAIT), memory use.
	timeWait := `python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); ` +
		`c=socket.create_connection(s.getsockname()); a,_=s.accept(); c.close(); a.recv(1); a.close()"`
	res, out := run(t, sb, "sh", "-c", "touch /tmp/left-behind; ipcmk -M 4096 >/dev/null; (sleep 1000 &); "+
		timeWait+"; grep -c ' 06 ' /proc/net/tcp; /probe/probe alloc 100")
	if res.Status != OK || res.MemoryPeak < 90<<20 || !strings.HasPrefix(out, "1\n") {
		t.Fatalf("run 1 (want one TIME_WAIT socket): %+v %s", res, out)
	}
	res, out = run(t, sb, "sh", "-c", "echo files=$(ls -A /tmp | wc -l) shm=$(ipcs -m | grep -c '^0x') "+
		"procs=$(ls /proc | grep -c '^[0-9]') tcp=$(wc -l < /proc/net/tcp) net=$(readlink /proc/self/ns/net)")
	if res.Status != OK {
		t.Fatalf("run 2: %v %s", res.Status, out)
	}
	got := map[string]string{}
	for _, kv := range strings.Fields(out) {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	// procs counts init, sh and the subshells of the command substitutions.
	for k, v := range map[string]string{"files": "0", "shm": "0", "tcp": "1"} {
		if got[k] != v {
			t.Errorf("run 2 sees %s=%s, want %s (%s)", k, got[k], v, out)
		}
	}
	if got["procs"] > "5" || len(got["procs"]) != 1 {
		t.Errorf("run 2 sees %s processes: %s", got["procs"], out)
	}
	if got["net"] == a {
		t.Errorf("a namespace with a TIME_WAIT socket was reused: %s", got["net"])
	}
	if res.MemoryPeak > 32<<20 {
		t.Errorf("run 2's memory peak %d MiB carries run 1's", res.MemoryPeak>>20)
	}
}
