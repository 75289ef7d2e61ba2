package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// TestBoundingSet: the thread every init is cloned from has an empty
// capability bounding set, which the commands of root's runs inherit
// (TestDefaults checks theirs is empty), while every other thread of the
// embedding process, and what it starts with os/exec, keeps its own.
func TestBoundingSet(t *testing.T) {
	requireRoot(t)
	if !child.BoundingSetEmpty() {
		t.Fatal("root's forker thread could not empty its bounding set")
	}
	full := regexp.MustCompile(`(?m)^CapBnd:\s+0*[1-9a-f][0-9a-f]*$`)
	empty := regexp.MustCompile(`(?m)^CapBnd:\s+0+$`)
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(tasks) < 2 {
		t.Fatalf("threads: %v %v", tasks, err)
	}
	emptied := 0
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread is gone
		}
		switch {
		case empty.Match(b):
			emptied++
		case !full.Match(b):
			t.Errorf("%s: no bounding set:\n%s", f, b)
		}
	}
	if emptied != 1 {
		t.Errorf("%d threads of %d have an empty bounding set, want only the forker's", emptied, len(tasks))
	}
	out, err := exec.Command("grep", "CapBnd", "/proc/self/status").Output()
	if err != nil || !full.Match(out) {
		t.Errorf("a command started with os/exec: %s %v", out, err)
	}
}

// TestPlanBoundingSet: a command drops its bounding set itself unless
// init is cloned with an empty one and the command gets no user namespace
// of its own (a new user namespace gives a full set).
func TestPlanBoundingSet(t *testing.T) {
	drops := func(ns Namespace, boundingEmpty bool) int {
		s := specFor(t, New(), ns, false, false)
		s.boundingEmpty = boundingEmpty
		rp := planRun(s)
		n := 0
		for _, op := range rp.plan.Cmd.Ops {
			if op.Nr == unix.SYS_PRCTL && op.Args[0] == unix.PR_CAPBSET_DROP {
				n++
			}
		}
		return n
	}
	if n := drops(defaultNamespaces, true); n != 0 {
		t.Errorf("inherited empty set: %d drops, want none", n)
	}
	for _, tt := range []struct {
		ns    Namespace
		empty bool
	}{{defaultNamespaces, false}, {defaultNamespaces | User, true}, {defaultNamespaces | User, false}} {
		if n := drops(tt.ns, tt.empty); n != lastCap()+1 {
			t.Errorf("%v, bounding set empty %v: %d drops, want %d", tt.ns, tt.empty, n, lastCap()+1)
		}
	}
}
