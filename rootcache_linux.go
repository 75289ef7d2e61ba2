package sandbox

import (
	"slices"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// rootCache keeps the planned root filesystem of a Sandbox: the mount
// operations, with every path and struct they point to, are the same for
// each run of one configuration, so they are planned once and shared
// read-only by the runs. A run re-plans when the configuration changed, or
// when the directories the plan was read from did (the Chroot directory,
// or the host's / and /etc): their inode and modification time are checked
// on every run.
type rootCache struct {
	mu     sync.Mutex
	key    rootKey
	shared *child.Shared
}

// rootKey is what a planned root depends on.
type rootKey struct {
	root     string
	hostname string
	uid, gid int
	userns   bool
	mounts   []mountSpec
	stamps   [2]dirStamp
}

// dirStamp identifies a directory's state.
type dirStamp struct {
	dev, ino uint64
	mtime    unix.Timespec
}

func stampOf(dir string) dirStamp {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return dirStamp{}
	}
	return dirStamp{dev: st.Dev, ino: st.Ino, mtime: st.Mtim}
}

func (k *rootKey) equal(o *rootKey) bool {
	return k.root == o.root && k.hostname == o.hostname && k.uid == o.uid && k.gid == o.gid &&
		k.userns == o.userns && k.stamps == o.stamps && slices.Equal(k.mounts, o.mounts)
}

// rootFor returns the planned root filesystem for this configuration.
func (c *config) rootFor(userns bool) (*child.Shared, error) {
	key := rootKey{root: c.root, hostname: c.hostname, uid: c.uid, gid: c.gid, userns: userns, mounts: c.mounts}
	if c.root != "" {
		key.stamps[0] = stampOf(c.root)
	} else {
		key.stamps = [2]dirStamp{stampOf("/"), stampOf("/etc")}
	}
	rc := c.roots
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.shared != nil && rc.key.equal(&key) {
		return rc.shared, nil
	}
	sh := &child.Shared{}
	r := &rootPlanner{k: &sh.Keeper, seq: &sh.Seq}
	if err := c.planRoot(r); err != nil {
		return nil, err
	}
	key.mounts = slices.Clone(c.mounts)
	rc.key, rc.shared = key, sh
	return sh, nil
}
