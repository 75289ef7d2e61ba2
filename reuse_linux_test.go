package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReuseIsClean: a run of a Sandbox sees nothing of the run before —
// files, sockets, SysV IPC, processes, cgroup counters — though the
// Sandbox reuses its runs' network namespaces when they are clean (two go
// in turn: one is checked while the other is used).
func TestReuseIsClean(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := probeSandbox(t).MemoryLimit(256 << 20)
	defer sb.Close()
	netns := func() string {
		_, out := run(t, sb, "readlink", "/proc/self/ns/net")
		return strings.TrimSpace(out)
	}
	requireReuse(t, sb, netns)
	// Run 1 leaves all it can: a file, a SysV segment, a process, a TCP
	// connection the client closed first (TIME_WAIT), memory use.
	timeWait := `python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); ` +
		`c=socket.create_connection(s.getsockname()); a,_=s.accept(); c.close(); a.recv(1); a.close()"`
	res, out := run(t, sb, "sh", "-c", "readlink /proc/self/ns/net; touch /tmp/left-behind; ipcmk -M 4096 >/dev/null; (sleep 1000 &); "+
		timeWait+"; grep -c ' 06 ' /proc/net/tcp; /probe/probe alloc 100")
	a, rest, _ := strings.Cut(out, "\n")
	if res.Status != OK || res.MemoryPeak < 90<<20 || !strings.HasPrefix(rest, "1\n") {
		t.Fatalf("run 1 (want one TIME_WAIT socket): %+v %s", res, out)
	}
	// Run 1's namespace is checked now, before run 2 could be given it;
	// with a TIME_WAIT socket it is not pooled.
	if slices.Contains(pooledNets(t, sb), a) {
		t.Errorf("a namespace with a TIME_WAIT socket was pooled: %s", a)
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
	if res.MemoryPeak > 32<<20 {
		t.Errorf("run 2's memory peak %d MiB carries run 1's", res.MemoryPeak>>20)
	}
}

// TestReuseLeavesNoTrace: a network namespace is reused only when it shows
// nothing of the run before. Each trace below is readable by a later run
// of another user (a channel between runs): counters raised by 777 UDP
// datagrams on loopback, by a refused IPv6 connection, and an IPv6 flow
// label (which the kernel keeps for its linger time after the socket is
// closed, and which raises no counter). After each, the next run gets a
// fresh namespace instead.
func TestReuseLeavesNoTrace(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	const look = `echo udp=$(awk '/^Udp:/ {n++} /^Udp:/ && n==2 {print $5}' /proc/net/snmp) ` + // OutDatagrams
		`ip6=$(awk '$1=="Ip6OutRequests" {print $2}' /proc/net/snmp6) ` +
		`lo=$(awk '$1=="lo:" {print $3}' /proc/net/dev) labels=$(($(wc -l < /proc/net/ip6_flowlabel)-1)) ` +
		`net=$(readlink /proc/self/ns/net)`
	pristine := map[string]string{"udp": "0", "ip6": "0", "lo": "0", "labels": "0"}
	for _, tt := range []struct{ name, script, shows string }{
		{"777 UDP datagrams", `
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(777): c.sendto(b'x', s.getsockname())`, "udp=777 "},
		{"a refused IPv6 connection", `
try: socket.create_connection(('::1', 9))
except ConnectionRefusedError: pass`, "ip6=2 "},
		{"an IPv6 flow label", `
f = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
# struct in6_flowlabel_req: dst, label, action GET, share EXCL, flags CREATE, expires, linger 150 s
f.setsockopt(socket.IPPROTO_IPV6, 32, struct.pack('=16sIBBHHHI', socket.inet_pton(socket.AF_INET6, '::1'), socket.htonl(0x12345), 0, 1, 1, 0, 150, 0))`, "labels=1 "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sb := New()
			defer sb.Close()
			facts := func(script string) (map[string]string, string) {
				t.Helper()
				res, out := run(t, sb, "sh", "-c", script+look)
				if res.Status != OK {
					t.Fatalf("%+v %s", res, out)
				}
				got := map[string]string{}
				for _, kv := range strings.Fields(out) {
					k, v, _ := strings.Cut(kv, "=")
					got[k] = v
				}
				return got, out
			}
			check := func(when string, got map[string]string) {
				t.Helper()
				for k, v := range pristine {
					if got[k] != v {
						t.Errorf("%s: %s=%s, want %s: %v", when, k, got[k], v, got)
					}
				}
			}
			before, _ := facts("")
			check("a fresh namespace", before)
			requireReuse(t, sb, func() string {
				got, _ := facts("")
				check("a reused namespace", got)
				return got["net"]
			})
			trace, out := facts("python3 -c \"import socket, struct" + tt.script + "\" && ")
			if !strings.Contains(out, tt.shows) {
				t.Fatalf("the run left no trace to find (want %q): %s", tt.shows, out)
			}
			// The trace's namespace is checked before the next runs, which
			// could be given it; it is not pooled.
			if slices.Contains(pooledNets(t, sb), trace["net"]) {
				t.Errorf("the namespace with the trace was pooled: %s", trace["net"])
			}
			for range 2 {
				after, _ := facts("")
				check("a later run", after)
			}
		})
	}
}

// requireReuse fails the test unless three runs of sb in a row, each
// reporting its network namespace through netns, use at most two, and the
// pool then holds what it made: at most two (inode numbers are reused, so
// the first check alone could pass with none reused).
func requireReuse(t *testing.T, sb *Sandbox, netns func() string) {
	t.Helper()
	seen := map[string]bool{}
	for range 3 {
		seen[netns()] = true
	}
	if len(seen) > 2 {
		t.Fatalf("three runs in a row used %d network namespaces, want clean ones reused: %v", len(seen), seen)
	}
	if idle, owned := settle(t, sb.cfg.net); owned > 2 || idle != owned {
		t.Fatalf("after three runs in a row the pool holds %d of the %d namespaces it owns, want them all and at most two", idle, owned)
	}
}

// pooledNets waits for the checks of sb's pool to end and names the
// namespaces it then holds as readlink names them ("net:[inode]"). No
// namespace is made meanwhile, so a name here is not a number the kernel
// gave again to a newer namespace.
func pooledNets(t *testing.T, sb *Sandbox) []string {
	t.Helper()
	settle(t, sb.cfg.net)
	st := sb.cfg.net.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var names []string
	for _, fd := range st.fds {
		var s unix.Stat_t
		if err := unix.Fstat(fd, &s); err != nil {
			t.Fatal(err)
		}
		names = append(names, fmt.Sprintf("net:[%d]", s.Ino))
	}
	return names
}
