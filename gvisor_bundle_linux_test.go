package sandbox

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestGVisorBundle: the OCI bundle says what the configuration says, in
// the spec's own terms, and the skeleton root holds only what it must.
func TestGVisorBundle(t *testing.T) {
	src := t.TempDir()
	sb := New().RunAs(1000, 1001).Hostname("box").PidsLimit(32).OutputLimit(1<<20).CPUTimeLimit(2*time.Second).
		Bind(src, "/data").BindWritable(src, "/etc/out").Tmpfs("/scratch", 1<<20)
	if len(sb.errs) > 0 {
		t.Fatal(sb.errs)
	}
	sb.cfg.rlimits = append(sb.cfg.rlimits, rlimitSpec{resource: unix.RLIMIT_STACK, cur: 8 << 20, max: 8 << 20})
	cmd := exec.Command("sh", "-c", "true")
	cmd.Env, cmd.Dir = []string{"A=b"}, "/tmp"
	c, err := checkCmd(cmd)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	b, err := sb.cfg.writeBundle(dir, c, "sandbox-1-2-3")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	p := spec.Process
	if p.User.UID != 1000 || p.User.GID != 1001 || len(p.User.AdditionalGids) != 0 || !p.NoNewPrivileges || p.Terminal {
		t.Errorf("process %+v", p)
	}
	if caps := p.Capabilities; caps == nil || len(caps.Bounding)+len(caps.Effective)+len(caps.Permitted)+len(caps.Inheritable)+len(caps.Ambient) != 0 {
		t.Errorf("capabilities %+v", caps)
	}
	if !slices.Equal(p.Args, []string{"sh", "-c", "true"}) || !slices.Equal(p.Env, []string{"A=b", "PATH=" + defaultPath}) || p.Cwd != "/tmp" {
		t.Errorf("args %q env %q cwd %q", p.Args, p.Env, p.Cwd)
	}
	limits := map[string][2]uint64{}
	for _, r := range p.Rlimits {
		if _, dup := limits[r.Type]; dup {
			t.Errorf("rlimit %s twice", r.Type)
		}
		limits[r.Type] = [2]uint64{r.Soft, r.Hard}
	}
	for name, want := range map[string][2]uint64{"RLIMIT_NPROC": {32, 32}, "RLIMIT_FSIZE": {1 << 20, 1 << 20},
		"RLIMIT_CORE": {0, 0}, "RLIMIT_NOFILE": {1024, 4096}, "RLIMIT_CPU": {3, 4}, "RLIMIT_STACK": {8 << 20, 8 << 20}} {
		if limits[name] != want {
			t.Errorf("%s = %v, want %v", name, limits[name], want)
		}
	}
	if spec.Hostname != "box" || spec.Root == nil || !spec.Root.Readonly || spec.Root.Path != b.rootfs || spec.Linux.CgroupsPath != "sandbox-1-2-3" {
		t.Errorf("hostname %q root %+v cgroups %q", spec.Hostname, spec.Root, spec.Linux.CgroupsPath)
	}
	var ns []string
	for _, n := range spec.Linux.Namespaces {
		ns = append(ns, string(n.Type))
	}
	if strings.Join(ns, ",") != "pid,network,ipc,uts,mount" {
		t.Errorf("namespaces %v", ns)
	}
	mounts := map[string]specs.Mount{}
	var order []string
	for _, m := range spec.Mounts {
		mounts[m.Destination] = m
		order = append(order, m.Destination)
	}
	for dst, want := range map[string]string{"/usr": "bind /usr rbind,ro,nosuid,nodev", "/proc": "proc proc nosuid,nodev,noexec",
		"/tmp": "tmpfs tmpfs nosuid,nodev,size=134217728,mode=1777", "/data": "bind " + src + " rbind,ro,nosuid,nodev",
		"/etc/out": "bind " + src + " rbind,rw,nosuid,nodev", "/scratch": "tmpfs tmpfs nosuid,nodev,size=1048576,mode=1777"} {
		m := mounts[dst]
		if got := m.Type + " " + m.Source + " " + strings.Join(m.Options, ","); got != want {
			t.Errorf("mount %s: %q, want %q", dst, got, want)
		}
	}
	if i, j := slices.Index(order, "/tmp"), slices.Index(order, "/data"); i < 0 || j < i {
		t.Errorf("the caller's mounts must come after the sandbox's: %v", order)
	}
	// The skeleton: mount points, the generated /etc files, no host file.
	passwd, _ := os.ReadFile(filepath.Join(b.rootfs, "etc/passwd"))
	if !strings.Contains(string(passwd), "sandbox:x:1000:1001:") {
		t.Errorf("passwd %q", passwd)
	}
	for _, mp := range []string{"usr", "proc", "dev", "tmp", "data", "etc/out", "scratch", "etc/ld.so.cache"} {
		fi, err := os.Lstat(filepath.Join(b.rootfs, mp))
		if err != nil || (fi.Mode().IsRegular() && fi.Size() != 0) {
			t.Errorf("mount point %s: %v %v", mp, fi, err)
		}
	}
	if _, err := os.Lstat("/bin"); err == nil {
		if fi, err := os.Lstat(filepath.Join(b.rootfs, "bin")); err != nil || (fi.Mode()&os.ModeSymlink != 0) != isSymlink("/bin") {
			t.Errorf("/bin not recreated as on the host: %v %v", fi, err)
		}
	}
}

func isSymlink(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}
