package sandbox

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// TestSweepRunTmp: the Landlock runs' TMPDIRs of a process that is gone are
// removed, even one whose command locked a directory in it; a live
// process's stay; a link with the prefix goes as a link, never followed.
func TestSweepRunTmp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone, live := testutil.GoneAndLive(t)
	name := func(pid int, rest string) string {
		return filepath.Join(tmp, tmpPrefix+strconv.Itoa(pid)+"-"+rest)
	}
	goneDir, liveDir, link := name(gone, "a"), name(live, "b"), name(gone, "c")
	target := filepath.Join(tmp, "target")
	for _, d := range []string{filepath.Join(goneDir, "locked", "sub"), liveDir, target} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(goneDir, "locked", "sub", "f"), filepath.Join(target, "f")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What an unprivileged owner could not remove without its mode back.
	if err := os.Chmod(filepath.Join(goneDir, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	sweepRunTmp()
	for _, p := range []string{goneDir, link} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s of a process that is gone: %v, want removed", p, err)
		}
	}
	for _, p := range []string{liveDir, filepath.Join(target, "f")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s: %v, want kept", p, err)
		}
	}
}
