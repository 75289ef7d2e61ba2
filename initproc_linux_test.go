package sandbox

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// initFiles are the /proc files of init that would show the embedding
// process (init shares or copies its memory): command line, environment,
// memory figures, maps, name.
var initFiles = []string{"cmdline", "environ", "status", "stat", "statm", "maps", "smaps", "comm", "auxv", "sched", "io", "limits"}

// initProbe is a script that prints, for each of initFiles, "name=bytes"
// with the bytes of /proc/1/name the command could read, and whether
// /proc/1 is listed at all.
func initProbe() string {
	var b strings.Builder
	for _, f := range initFiles {
		fmt.Fprintf(&b, "echo %s=$(cat /proc/1/%s 2>/dev/null | wc -c); ", f, f)
	}
	b.WriteString("echo listed=$(ls /proc | grep -cx 1)")
	return b.String()
}

// checkInitHidden fails for every file of initFiles the probe could read.
func checkInitHidden(t *testing.T, out string) {
	t.Helper()
	fields := map[string]string{}
	for _, kv := range strings.Fields(out) {
		k, v, _ := strings.Cut(kv, "=")
		fields[k] = v
	}
	for _, f := range append(initFiles, "listed") {
		if v, ok := fields[f]; !ok || v != "0" {
			t.Errorf("the command sees init's %s (%s bytes): %s", f, v, out)
		}
	}
}

// TestInitRevealsNothing: the command cannot read init's command line,
// environment, memory figures or maps, which are the embedding process's
// (init shares its memory, or is a copy of it): secrets passed as
// arguments stay secret. Rootless, where init runs under the command's own
// uid, is checked by TestRootless.
func TestInitRevealsNothing(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	for name, sb := range map[string]*Sandbox{
		"defaults":         New(),
		"user namespace":   New().Namespaces(PID, Mount, User, Net),
		"same uid as init": New().RunAs(0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			defer sb.Close()
			res, out := run(t, sb, "sh", "-c", initProbe())
			if res.Status != OK {
				t.Fatalf("%+v %s", res, out)
			}
			checkInitHidden(t, out)
		})
	}
}

// TestDumpableUnchanged: no run changes the embedding process's dumpable
// flag, even when many run at once (the command's change of ids clears it
// on memory it shares with the embedder until its execve), whichever it
// was.
func TestDumpableUnchanged(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	bin := staticTrue(t)
	old, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(old), 0, 0, 0)
	sb := New().Bind(bin, "/bin2")
	defer sb.Close()
	// Only a run whose init shares the embedder's memory can touch the
	// flag; without that (under -race), a round of runs shows it is left.
	rounds := 4
	if !child.VMSupported {
		rounds = 1
	}
	for _, want := range []int{1, 0, 1} {
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(want), 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		for round := range rounds {
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						res, _ := run(t, sb, "/bin2/true")
						if res.Status != OK {
							t.Errorf("run: %+v", res)
						}
					}
				}()
			}
			wg.Wait()
			if got, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); got != want {
				t.Fatalf("after round %d of concurrent runs the embedder's dumpable flag is %d, was %d", round, got, want)
			}
		}
	}
}
