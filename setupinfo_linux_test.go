package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// TestSetupInfo: what a failed step reports holds only a path in Path and
// only one of the caller's mounts in Index; a host name, ids, an rlimit or
// a bind's source, destination and flags are in the message (Detail).
func TestSetupInfo(t *testing.T) {
	// In a directory anyone may write: the child opens it again by
	// descriptor and checks it (bind source steps) before it mounts it.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	sb := New().Hostname("judge-1").Bind(src, "/data").Tmpfs("/scratch", 1<<20).
		OutputLimit(1 << 20).CPUTimeLimit(time.Second)
	cfg := sb.cfg
	rp := planFor(t, sb, cfg.ns|UTS|Net, false, false)
	sh := &child.Shared{}
	deps := &rootDeps{rootFD: -1}
	r := &rootPlanner{k: &sh.Keeper, seq: &sh.Seq, deps: deps}
	if err := cfg.planRoot(r); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, fd := range deps.fds {
			unix.Close(fd)
		}
	})
	pl := rp.plan
	seqs := map[string]*child.Seq{"init": &pl.Init, "cmd": &pl.Cmd, "post-fork": &pl.PostFork, "init-post": &pl.InitPost, "root": &sh.Seq}
	details := map[child.Stage][]string{}
	for name, seq := range seqs {
		for i, in := range seq.Info {
			if in.Index < -1 || in.Index >= len(cfg.mounts) {
				t.Errorf("%s op %d (%v): index %d, want -1 or one of the %d mounts", name, i, in.Stage, in.Index, len(cfg.mounts))
			}
			// A path: absolute, or relative to the staging directory
			// while the root is assembled; never a name, ids or a number.
			if p := in.Path; p != "" && (strings.ContainsAny(p, ": \n") || p != filepath.Clean(p) || p == "judge-1") {
				t.Errorf("%s op %d (%v): path %q is not a path", name, i, in.Stage, p)
			}
			if in.Detail != "" {
				details[in.Stage] = append(details[in.Stage], in.Detail)
			}
		}
	}
	bind := `bind "` + src + `" on "/data" (recursive, ro, nosuid, nodev)`
	for stage, want := range map[child.Stage]string{
		child.StageSethostname: `host name "judge-1"`,
		child.StageSetuid:      "uid 65534 gid 65534",
		child.StageRlimit:      "RLIMIT_CPU 2 3",
		child.StageBindSource:  bind,
		child.StageMount:       bind,
	} {
		if !strings.Contains(strings.Join(details[stage], "\n"), want) {
			t.Errorf("%v: details %q, want one with %q", stage, details[stage], want)
		}
	}
}
