package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// An OCI runtime (runsc) given a group as its spec's cgroupsPath uses a
// group that exists as it is: it neither writes its limits nor removes it.
// In the v1 hierarchies the group does not use (blkio, cpuset, devices,
// name=systemd, …) it makes the group itself, and removes it only when it
// ends normally. OCIPath names a Group for such a runtime; OCIDirs lists
// what the runtime may have made, to remove after the run, and
// SweepOCIDirs removes what a crashed process left there.

// ociRoot is where OCI runtimes expect the v1 hierarchies, one directory
// per controller (runsc's and runc's layout).
const ociRoot = "/sys/fs/cgroup"

// OCIPath returns the cgroupsPath that makes an OCI runtime started by
// this process use g: the group's name, relative to the runtime's own
// cgroup, when g is directly below this process's group in every
// hierarchy; else the absolute path the group has in every hierarchy.
func OCIPath(g Group) (string, error) {
	dirs := map[string]string{} // controller ("" on v2) → group directory
	switch g := g.(type) {
	case *v1Group:
		if g.m.fake != nil {
			return "", errors.New("cgroup: OCIPath of a fake group")
		}
		for c, d := range g.ctrl {
			dirs[c] = d
		}
	case *v2Group:
		dirs[""] = g.dir
	default:
		return "", fmt.Errorf("cgroup: OCIPath of a %T", g)
	}
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return "", fmt.Errorf("cgroup: read mountinfo: %w", err)
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup: %w", err)
	}
	own, err := parseProcCgroup(self)
	if err != nil {
		return "", err
	}
	var name, abs string
	relative, same := true, true
	for c, d := range dirs {
		p, ok := hierarchyPath(mounts, d)
		if !ok {
			return "", &Error{Op: "oci path", Path: d, Err: errors.New("not below a cgroup mount")}
		}
		name = filepath.Base(p)
		relative = relative && own[c] != "" && filepath.Dir(p) == own[c]
		if abs == "" {
			abs = p
		}
		same = same && p == abs
	}
	switch {
	case relative:
		return name, nil
	case same:
		return abs, nil
	}
	return "", &Error{Op: "oci path", Path: g.Path(), Err: errors.New("the group has different paths in different hierarchies, which one cgroupsPath cannot name")}
}

// hierarchyPath returns dir as a path of its hierarchy ("/a/b").
func hierarchyPath(mounts []*mountinfo.Info, dir string) (string, bool) {
	var best *mountinfo.Info
	for _, m := range mounts {
		if _, ok := cutPath(dir, m.Mountpoint); ok && (best == nil || len(m.Mountpoint) > len(best.Mountpoint)) {
			best = m
		}
	}
	if best == nil {
		return "", false
	}
	rel, _ := cutPath(dir, best.Mountpoint)
	return filepath.Join(best.Root, rel), true
}

// OCIDirs returns the group directories a v1 OCI runtime started by this
// process makes for cgroupsPath in each hierarchy under /sys/fs/cgroup
// (none on a v2-only host).
func OCIDirs(cgroupsPath string) []string {
	if DetectMode() == Unified || cgroupsPath == "" {
		return nil
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	own, err := parseProcCgroup(self)
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(ociRoot)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, e := range ents {
		ctrl := e.Name()
		if !e.IsDir() || ctrl == "unified" {
			continue
		}
		p := cgroupsPath
		if !filepath.IsAbs(p) {
			base, ok := own[ctrl]
			if !ok {
				base, ok = own["name="+ctrl]
			}
			if !ok {
				continue
			}
			p = filepath.Join(base, p)
		}
		dirs = append(dirs, filepath.Join(ociRoot, ctrl, p))
	}
	return dirs
}

// RemoveOCIDirs removes the directories OCIDirs names that exist; their
// processes must be gone.
func RemoveOCIDirs(cgroupsPath string) error {
	var errs []error
	for _, d := range OCIDirs(cgroupsPath) {
		if !strings.HasPrefix(filepath.Base(d), "sandbox-") {
			continue
		}
		if err := rmdirRetry(d, false, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SweepOCIDirs removes, beside where OCIDirs puts cgroupsPath, the groups
// of processes that are gone (see Stale). Their processes died with their
// owner; a group that still holds one is left for a later sweep.
func SweepOCIDirs(cgroupsPath string) {
	for _, d := range OCIDirs(cgroupsPath) {
		parent := filepath.Dir(d)
		ents, err := os.ReadDir(parent)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if e.IsDir() && Stale(e.Name()) {
				os.Remove(filepath.Join(parent, e.Name())) // EBUSY while it holds a process
			}
		}
	}
}
