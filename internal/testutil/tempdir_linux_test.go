package testutil

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSweepTemp: the sweep removes the directory of a test binary that is
// gone and nothing else: not a live one's, not its own, not another
// user's, not what a link named like a dead one's points to.
func TestSweepTemp(t *testing.T) {
	parent := t.TempDir()
	gone, live := GoneAndLive(t)
	dead, alive := strconv.Itoa(gone), strconv.Itoa(live)
	mk := func(name string) string {
		p := filepath.Join(parent, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "f"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	swept := mk(dead + "-a")
	kept := []string{mk(alive + "-b"), mk(strconv.Itoa(os.Getpid()) + "-c"), mk("x-d"), mk("target") + "/f"}
	link := filepath.Join(parent, dead+"-e")
	if err := os.Symlink(filepath.Join(parent, "target"), link); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, link)
	if os.Geteuid() == 0 {
		foreign := mk(dead + "-f")
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, foreign)
	}
	sweepTemp(parent)
	if _, err := os.Lstat(swept); !os.IsNotExist(err) {
		t.Errorf("%s (pid %s is gone) not swept: %v", swept, dead, err)
	}
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s swept: %v", p, err)
		}
	}
}

// TestTempRoot: each test binary's directory is in TempParent, named
// after its pid, passable but not listable by others.
func TestTempRoot(t *testing.T) {
	dir, err := TempRoot()
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(dir)
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != TempParent || filepath.Base(dir)[:len(strconv.Itoa(os.Getpid()))+1] != strconv.Itoa(os.Getpid())+"-" ||
		!fi.IsDir() || fi.Mode().Perm() != 0o711 {
		t.Errorf("%s: %v", dir, fi.Mode())
	}
	pi, err := os.Lstat(TempParent)
	if err != nil || pi.Mode()&os.ModeSticky == 0 || pi.Mode().Perm() != 0o777 {
		t.Errorf("%s: %v %v", TempParent, pi.Mode(), err)
	}
}
