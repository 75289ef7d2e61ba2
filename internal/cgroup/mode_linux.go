package cgroup

import (
	"bytes"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/containerd/cgroups/v3"
	"github.com/moby/sys/mountinfo"
)

var detectMode = sync.OnceValue(func() Mode {
	switch cgroups.Mode() { // statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified, once
	case cgroups.Legacy:
		return Legacy
	case cgroups.Hybrid:
		return Hybrid
	case cgroups.Unified:
		return Unified
	}
	return Unavailable
})

// DetectMode returns the host's cgroup layout, probed once on first use.
func DetectMode() Mode { return detectMode() }

// resolveParents maps each controller ("" on v2) to the directory of the
// parent group: parent, or the caller's own cgroup when parent is "".
func resolveParents(parent string, v2 bool) (map[string]string, error) {
	fstype := "cgroup"
	if v2 {
		fstype = "cgroup2"
	}
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter(fstype))
	if err != nil {
		return nil, fmt.Errorf("cgroup: read mountinfo: %w", err)
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	return parentDirs(parent, v2, mounts, self)
}

// parentDirs is resolveParents without the reads, for tests.
func parentDirs(parent string, v2 bool, mounts []*mountinfo.Info, self []byte) (map[string]string, error) {
	own, err := parseProcCgroup(self)
	if err != nil {
		return nil, err
	}
	ctrls := v1Controllers[:]
	if v2 {
		ctrls = []string{""}
	}
	dirs := map[string]string{}
	for _, ctrl := range ctrls {
		mnt := findMount(mounts, ctrl, v2)
		if mnt == nil {
			continue // missing controller: NewManager decides
		}
		cg, ok := own[ctrl]
		if parent != "" {
			cg, ok = cgroupPath(parent, mounts), true
		}
		if !ok {
			return nil, fmt.Errorf("cgroup: no %q line in /proc/self/cgroup", ctrl)
		}
		rel, ok := cutPath(cg, mnt.Root)
		if !ok {
			return nil, &Error{Op: "open parent", Path: cg, Err: fmt.Errorf("not visible below %s (mount root %s)", mnt.Mountpoint, mnt.Root)}
		}
		dir := filepath.Join(mnt.Mountpoint, rel)
		if v2 && parent == "" && dir != mnt.Mountpoint && delegated(filepath.Dir(dir)) {
			// On v2 the caller's own group holds the caller, so it cannot
			// have limited children ("no internal processes"). Under
			// systemd's Delegate=yes with DelegateSubgroup=main the
			// caller lives in a leaf of its delegated subtree: make the
			// groups beside that leaf, still inside the subtree whose
			// limits bind the service.
			dir = filepath.Dir(dir)
		}
		dirs[ctrl] = dir
	}
	return dirs, nil
}

// delegated says whether dir is the root of a subtree delegated to its
// user, as systemd marks it (the trusted.delegate or user.delegate
// extended attribute set to "1").
func delegated(dir string) bool {
	for _, attr := range []string{"trusted.delegate", "user.delegate"} {
		var b [8]byte
		n, err := unix.Getxattr(dir, attr, b[:])
		if err == nil && n == 1 && b[0] == '1' {
			return true
		}
	}
	return false
}

// parseProcCgroup maps controller → cgroup path from /proc/self/cgroup
// ("4:memory:/a", "1:cpu,cpuacct:/b", and "0::/c" as controller ""), with
// containerd/cgroups' parser.
func parseProcCgroup(b []byte) (map[string]string, error) {
	own, unified, err := cgroups.ParseCgroupFromReaderUnified(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("cgroup: /proc/self/cgroup: %w", err)
	}
	if unified != "" {
		own[""] = unified
	}
	return own, nil
}

// findMount returns a mount of the hierarchy of ctrl (v1) or the cgroup2
// mount (v2, preferring /sys/fs/cgroup).
func findMount(mounts []*mountinfo.Info, ctrl string, v2 bool) *mountinfo.Info {
	var found *mountinfo.Info
	for _, m := range mounts {
		if v2 {
			if m.FSType == "cgroup2" && (found == nil || m.Mountpoint == "/sys/fs/cgroup") {
				found = m
			}
			continue
		}
		if m.FSType == "cgroup" && found == nil && hasField([]byte(strings.ReplaceAll(m.VFSOptions, ",", " ")), ctrl) {
			found = m
		}
	}
	return found
}

// cgroupPath turns a CgroupParent into a cgroup path: a directory below a
// cgroup mount loses the mount point, anything else is taken as a path.
func cgroupPath(parent string, mounts []*mountinfo.Info) string {
	parent = filepath.Clean(parent)
	for _, m := range mounts {
		if rel, ok := cutPath(parent, m.Mountpoint); ok {
			return filepath.Join(m.Root, rel)
		}
	}
	return filepath.Join("/", parent)
}

// cutPath returns p relative to dir ("/" when equal) if p is dir or below.
func cutPath(p, dir string) (string, bool) {
	if dir == "/" {
		return p, strings.HasPrefix(p, "/")
	}
	if p == dir {
		return "/", true
	}
	rest, ok := strings.CutPrefix(p, dir+"/")
	return "/" + rest, ok
}
