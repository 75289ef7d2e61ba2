//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// TestRemoveTemp: what a runtime leaves mounted in the temp dir (newer
// runsc's null-netns pin, mounted once per concurrent pin) is detached,
// and the dir is gone.
func TestRemoveTemp(t *testing.T) {
	requireRoot(t)
	dir, err := os.MkdirTemp("", "sbxbench-")
	if err != nil {
		t.Fatal(err)
	}
	pin := filepath.Join(dir, "state-runsc", "null-netns")
	os.MkdirAll(filepath.Dir(pin), 0o700)
	os.WriteFile(pin, nil, 0o444)
	for range 2 {
		if err := unix.Mount("/proc/self/ns/net", pin, "", unix.MS_BIND, ""); err != nil {
			unix.Unmount(pin, unix.MNT_DETACH)
			os.RemoveAll(dir)
			t.Fatal(err)
		}
	}
	if err := removeTemp(dir); err != nil {
		t.Error(err)
	}
	if mounts, _ := mountinfo.GetMounts(mountinfo.PrefixFilter(dir)); len(mounts) > 0 {
		for _, m := range mounts {
			unix.Unmount(m.Mountpoint, unix.MNT_DETACH)
		}
		t.Errorf("%d mounts left under %s", len(mounts), dir)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		os.RemoveAll(dir)
		t.Errorf("%s left behind (%v)", dir, err)
	}
}
