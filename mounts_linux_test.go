package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The attacks of issue 10, items 1 to 3: an earlier run plants a symbolic
// link through a writable bind, and a later run's mounts must not follow
// it onto the host.

// hostSecret makes a host file every uid can read, in a directory of /tmp
// reachable by every uid: what an escaped sandbox would read. It returns
// its path and content.
func hostSecret(t *testing.T) (string, string) {
	t.Helper()
	dir := worldDir(t, "sandbox-secret-")
	secret := "host-secret-" + filepath.Base(dir)
	p := filepath.Join(dir, "secret")
	if err := os.WriteFile(p, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, secret
}

// worldDir makes a directory of /tmp that the sandbox's uid can write.
func worldDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := mkdirTemp(prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// plant runs script in a sandbox that binds dir writable at /w: what an
// earlier run (a compile step, a plugin) can leave there.
func plant(t *testing.T, dir, script string) {
	t.Helper()
	sb := New().BindWritable(dir, "/w")
	defer sb.Close()
	if res, out := run(t, sb, "sh", "-c", script); res.Status != OK {
		t.Fatalf("planting %q: %v %s", script, res.Status, out)
	}
}

// wantUntrusted checks that err is a *SetupError naming link, wrapping
// ErrUntrustedSymlink.
func wantUntrusted(t *testing.T, err error, link string) {
	t.Helper()
	var se *SetupError
	if !errors.As(err, &se) || !errors.Is(err, ErrUntrustedSymlink) || se.Path != link {
		t.Fatalf("err = %v; want a *SetupError at %s wrapping ErrUntrustedSymlink", err, link)
	}
}

// TestEscapePlantedBindSource (issue 10, item 1): run 1 leaves
// W/sol -> / in its writable bind; run 2 binds W/sol. The link belongs to
// the sandbox's uid, so run 2 fails naming it instead of showing the host's
// root at /sol.
func TestEscapePlantedBindSource(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	secretPath, secret := hostSecret(t)
	w := worldDir(t, "sandbox-w-")
	plant(t, w, "ln -s / /w/sol && ln -s /w/sol /w/again && mkdir /w/d && ln -s / /w/d/up")

	for _, tt := range []struct{ src, link string }{
		{w + "/sol", w + "/sol"},
		{w + "/again", w + "/again"}, // a link to a link
		{w + "/d/up/" + strings.TrimPrefix(filepath.Dir(secretPath), "/"), w + "/d/up"},
	} {
		sb := New().Bind(tt.src, "/sol")
		_, out, err := runErr(context.Background(), sb, "sh", "-c", "cat /sol"+secretPath+" /sol/secret")
		sb.Close()
		if strings.Contains(out, secret) {
			t.Fatalf("Bind(%s) read the host's %s", tt.src, secretPath)
		}
		wantUntrusted(t, err, tt.link)
	}
	// The same link on the way to a Chroot directory.
	sb := New().Chroot(w + "/sol")
	_, _, err := runErr(context.Background(), sb, "/bin/true")
	sb.Close()
	wantUntrusted(t, err, w+"/sol")
}

// TestEscapeChrootEntrySwap (issue 10, item 2): between two runs of one
// Sandbox with Chroot(dir), dir/data becomes a link with as many ".." as
// dir has components, and dir's modification time is put back (as tar
// does). The second run must not read the host through /data: the plan is
// keyed on the entries' device and inode, so it is made again, and the
// link, recreated inside the new root, resolves there.
func TestEscapeChrootEntrySwap(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	secretPath, secret := hostSecret(t)
	dir := chrootWithData(t, secretPath)
	sb := New().Chroot(dir)
	defer sb.Close()
	if res, out := run(t, sb, "/probe", "cat", "/data"+secretPath); res.Status != OK || out != "real" {
		t.Fatalf("run 1: %v %q", res.Status, out)
	}

	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", strings.Count(dir, "/"))
	plant(t, dir, "mv /w/data /w/old && ln -s "+up+" /w/data")
	if err := unix.UtimesNano(dir, []unix.Timespec{st.Atim, st.Mtim}); err != nil {
		t.Fatal(err)
	}

	res, out, err := runErr(context.Background(), sb, "/probe", "cat", "/data"+secretPath)
	if strings.Contains(out, secret) {
		t.Fatalf("run 2 read the host's %s through the swapped entry", secretPath)
	}
	var se *SetupError
	switch {
	case err == nil && res.Status == NonZeroExit:
		// The link was recreated in the new root and resolved there.
	case errors.As(err, &se) && se.Path == dir+"/data":
	default:
		t.Fatalf("run 2: %+v %v %q", res, err, out)
	}
}

// chrootWithData makes a Chroot directory the sandbox can write, with the
// probe and data/<secretPath> holding "real" (the same path as the host's
// secret, below data/).
func chrootWithData(t *testing.T, secretPath string) string {
	t.Helper()
	dir := worldDir(t, "sandbox-chroot-")
	bin, err := os.ReadFile(filepath.Join(probe(t), "probe"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "probe"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "data", secretPath)
	if err := os.MkdirAll(filepath.Dir(real), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("real"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "data"), 0o777)
	return dir
}

// TestEscapeChrootEntryRace (issue 10, item 2, without the cache): dir/data
// is swapped with a link to the host's root as fast as the host can, while
// runs go on. Each run either sees the real directory, or fails with a
// typed error, or sees the link recreated inside its root — never the host:
// the child mounts only the file the parent checked.
func TestEscapeChrootEntryRace(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	secretPath, secret := hostSecret(t)
	dir := chrootWithData(t, secretPath)
	spare := worldDir(t, "sandbox-spare-")
	link := filepath.Join(spare, "data")
	if err := os.Symlink(strings.Repeat("../", strings.Count(dir, "/")), link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, DefaultUID, DefaultGID); err != nil {
		t.Fatal(err)
	}

	var stop atomic.Bool
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if err := unix.Renameat2(unix.AT_FDCWD, filepath.Join(dir, "data"), unix.AT_FDCWD, link, unix.RENAME_EXCHANGE); err != nil {
				t.Error(err)
				return
			}
			swaps.Add(1)
		}
	}()
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	shared := New().Chroot(dir)
	defer shared.Close()
	counts := map[string]int{}
	deadline := time.Now().Add(15 * time.Second) // under emulation (the v2 VM) runs are slow
	for i := 0; i < 150 && time.Now().Before(deadline); i++ {
		sb := shared
		if i%2 == 0 {
			sb = New().Chroot(dir) // no plan cached: the race is at every run
		}
		res, out, err := runErr(context.Background(), sb, "/probe", "cat", "/data"+secretPath)
		if sb != shared {
			sb.Close()
		}
		var se *SetupError
		switch {
		case strings.Contains(out, secret):
			t.Fatalf("run %d read the host's %s", i, secretPath)
		case err == nil && res.Status == OK && out == "real":
			counts["real directory"]++
		case err == nil && res.Status == NonZeroExit:
			counts["link inside"]++
		case errors.As(err, &se) && (se.Stage == "bind source" || se.Stage == "chroot"):
			counts["setup error: "+se.Stage]++
		default:
			t.Fatalf("run %d: %+v %v %q", i, res, err, out)
		}
	}
	t.Logf("%d swaps; outcomes %v", swaps.Load(), counts)
}

// TestEscapeDestinationSymlink (issue 10, item 3): run 1 leaves
// W/sub -> /oldroot/<host dir>; run 2 binds W at /w and data at
// /w/sub/results. The destination is resolved inside the new root
// without following links: the run fails naming /w/sub, and nothing is
// made in the host directory.
func TestEscapeDestinationSymlink(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	w := worldDir(t, "sandbox-w-")
	hostDir := worldDir(t, "sandbox-target-")
	data := t.TempDir()
	plant(t, w, "ln -s /oldroot"+hostDir+" /w/sub && ln -s "+hostDir+" /w/abs && ln -s ../.. /w/rel")

	for _, tt := range []struct{ dst, link string }{
		{"/w/sub/results", "/w/sub"},
		{"/w/abs/results", "/w/abs"},
		{"/w/rel/results", "/w/rel"},
		{"/w/sub", "/w/sub"}, // the link itself as the mount point
	} {
		for _, sb := range []*Sandbox{
			New().BindWritable(w, "/w").Bind(data, tt.dst),
			New().BindWritable(w, "/w").Tmpfs(tt.dst, 1<<20),
		} {
			_, out, err := runErr(context.Background(), sb, "true")
			sb.Close()
			var se *SetupError
			if !errors.As(err, &se) || se.Stage != "mount point" || se.Index != 1 || se.Path != tt.link || !errors.Is(err, syscall.ELOOP) {
				t.Errorf("mount at %s: err = %v (%s); want a *SetupError at mount point #1 %s, ELOOP", tt.dst, err, out, tt.link)
			}
		}
	}
	if ents, _ := os.ReadDir(hostDir); len(ents) != 0 {
		t.Errorf("the host's %s holds %v", hostDir, ents)
	}
	if fi, err := os.Lstat(w + "/sub"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("w/sub: %v %v", fi, err)
	}
	// A real directory there is still a destination.
	os.Remove(w + "/sub")
	os.Mkdir(w+"/sub", 0o755)
	os.WriteFile(filepath.Join(data, "f"), []byte("data"), 0o644)
	sb := New().BindWritable(w, "/w").Bind(data, "/w/sub/results")
	defer sb.Close()
	if res, out := run(t, sb, "cat", "/w/sub/results/f"); res.Status != OK || out != "data" {
		t.Errorf("bind below a bind: %v %q", res.Status, out)
	}
}

// TestRootPlanDescriptors: the descriptors a cached plan holds are closed
// when the plan is made again and when the Sandbox is closed.
func TestRootPlanDescriptors(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	// Entries and sources anyone may replace: checked by device and inode,
	// so held.
	dir := worldDir(t, "sandbox-chroot-")
	os.Mkdir(filepath.Join(dir, "usr"), 0o755)
	sb := New().Chroot(dir).Bind(dir+"/usr", "/usr2").Bind("/etc", "/etc2")
	base := countFDs()
	runs := func() int {
		_, _, err := runErr(context.Background(), sb, "/usr2/bin/true")
		var se *SetupError
		if !errors.As(err, &se) || se.Stage != "execve" {
			t.Fatalf("err = %v", err) // the chroot has no /usr2/bin/true: only the plan matters here
		}
		return countFDs()
	}
	held := runs()
	if held <= base {
		t.Fatalf("no descriptor held: %d → %d", base, held)
	}
	for i := 0; i < 3; i++ {
		// A new entry each time: the plan is made again. The sleep first,
		// so the change has a new mtime on coarse clocks.
		time.Sleep(10 * time.Millisecond)
		os.Mkdir(filepath.Join(dir, "e"+string(rune('0'+i))), 0o755)
		if n := runs(); n != held+i+1 {
			t.Errorf("after re-plan %d: %d descriptors, want %d", i, n, held+i+1)
		}
	}
	sb.Close()
	if n := countFDs(); n != base {
		t.Errorf("after Close: %d descriptors, want %d", n, base)
	}
}

// TestBindPaths: every way a bind is planned works and keeps its flags:
// sources only root can change (bound by path) or anyone can (opened,
// checked and cloned by the child), directories and files, destinations the
// planner made or inside another bind (resolved without links), read-only
// or writable.
func TestBindPaths(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	rootOnly := t.TempDir()
	anyone := worldDir(t, "sandbox-binds-")
	for _, d := range []string{rootOnly, anyone} {
		os.Mkdir(d+"/d", 0o777)
		os.Chmod(d+"/d", 0o777)
		os.WriteFile(d+"/d/in", []byte("in"), 0o666)
		os.WriteFile(d+"/f", []byte("in"), 0o666)
		os.Chmod(d+"/f", 0o666)
	}
	for _, src := range []string{rootOnly, anyone} {
		for _, dst := range []string{"/x", "/w/x/y"} {
			for _, writable := range []bool{false, true} {
				sb := New().BindWritable(anyone, "/w")
				dirDst, fileDst := dst, dst+"f"
				if writable {
					sb.BindWritable(src+"/d", dirDst).BindWritable(src+"/f", fileDst)
				} else {
					sb.Bind(src+"/d", dirDst).Bind(src+"/f", fileDst)
				}
				res, out := run(t, sb, "sh", "-c", "cat "+dirDst+"/in "+fileDst+"; "+
					"touch "+dirDst+"/new 2>/dev/null && echo ' dir-rw' || echo ' dir-ro'; "+
					"{ echo >> "+fileDst+"; } 2>/dev/null && echo file-rw || echo file-ro")
				sb.Close()
				want := "inin dir-ro\nfile-ro\n"
				if writable {
					want = "inin dir-rw\nfile-rw\n"
				}
				if res.Status != OK || out != want {
					t.Errorf("src %s dst %s writable %v: %v %q, want %q", src, dst, writable, res.Status, out, want)
				}
				os.Remove(src + "/d/new")
				os.WriteFile(src+"/f", []byte("in"), 0o666)
			}
		}
	}
}

// TestRootOnlyBindSourceReplaced: a Bind source only root can replace
// (every directory on its way root's and writable by nobody else, every
// link root's), replaced by root between runs of one Sandbox — a release
// directory swapped in with mv, a "current" link retargeted — is the new
// one from the next run on, whether the run copies the root's template or
// assembles its root itself, and the old one is not kept until Close.
func TestRootOnlyBindSourceReplaced(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	for _, tt := range []struct {
		name    string
		replace func(dir, src, content string) error
	}{
		{"directory moved in", func(dir, src, content string) error {
			next := src + ".new"
			if err := os.Mkdir(next, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(next+"/f", []byte(content), 0o644); err != nil {
				return err
			}
			os.Rename(src, src+".old"+content)
			return os.Rename(next, src)
		}},
		{"link retargeted", func(dir, src, content string) error {
			rel := "release-" + content
			if err := os.Mkdir(filepath.Join(dir, rel), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, rel, "f"), []byte(content), 0o644); err != nil {
				return err
			}
			if err := os.Symlink(rel, src+".new"); err != nil {
				return err
			}
			return os.Rename(src+".new", src)
		}},
	} {
		for _, perRun := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/per-run %v", tt.name, perRun), func(t *testing.T) {
				dir := t.TempDir()
				src := filepath.Join(dir, "current")
				if tt.name == "link retargeted" {
					src = filepath.Join(dir, "app", "current")
					os.Mkdir(filepath.Dir(src), 0o755)
				}
				if err := tt.replace(filepath.Dir(src), src, "one"); err != nil {
					t.Fatal(err)
				}
				if h, err := openHost(src, true); err != nil || !h.rootOnly {
					t.Fatalf("openHost(%q): root-only %v, %v: the test needs a root-only source", src, h.rootOnly, err)
				} else {
					unix.Close(h.fd)
				}
				sb := New().Bind(src, "/b")
				sb.cfg.perRunRoot = perRun
				defer sb.Close()
				// The first run assembles the root, the second builds the
				// template, the third copies it.
				last := "one"
				for i, content := range []string{"one", "one", "one", "two", "three", "three"} {
					if content != last {
						last = content
						if err := tt.replace(filepath.Dir(src), src, content); err != nil {
							t.Fatal(err)
						}
					}
					if res, out := run(t, sb, "cat", "/b/f"); res.Status != OK || out != content {
						t.Errorf("run %d: %v %q, want %q", i+1, res.Status, out, content)
					}
				}
			})
		}
	}
}

// TestBindSourceReplaced: a Bind source that anyone may replace, replaced
// between two runs of one Sandbox (a judge's fresh build directory), is
// the new one in the second run: the plan is keyed on its device and
// inode, so it is made again rather than failing the child's check.
func TestBindSourceReplaced(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	w := worldDir(t, "sandbox-w-")
	src := w + "/build"
	sb := New().Bind(src, "/b")
	defer sb.Close()
	for i, content := range []string{"one", "two", "three"} {
		if i > 0 {
			if err := os.Rename(src, src+".old"+content); err != nil {
				t.Fatal(err)
			}
		}
		os.Mkdir(src, 0o755)
		os.WriteFile(src+"/f", []byte(content), 0o644)
		if res, out := run(t, sb, "cat", "/b/f"); res.Status != OK || out != content {
			t.Errorf("want %q: %v %q", content, res.Status, out)
		}
	}
}
