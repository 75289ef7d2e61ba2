package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// rootView is what a command sees of its root, in a form two runs can be
// compared by: every mount (its place, options and file system, not its
// ids), the type, mode, owner and size of the files at the top of the
// root, in /etc, /dev and the writable directories, the generated files'
// contents and its ids.
const rootView = `awk '{ for (i = 7; $i != "-"; i++); print $5, $6, $(i+1), $(i+3) }' /proc/self/mountinfo | sort
echo ---
stat -c '%n %F %a %u %g %s' / /* /etc/* /dev/* /dev/shm/* /tmp/* /b/* 2>&1
echo ---
cat /etc/passwd /etc/group /etc/hosts; id`

// viewOf runs rootView in sb and returns its output, split into the mount
// table and the rest.
func viewOf(t *testing.T, sb *Sandbox) (mounts []string, rest string) {
	t.Helper()
	res, out := run(t, sb, "sh", "-c", rootView)
	if res.Status != OK {
		t.Fatalf("%+v %s", res, out)
	}
	m, rest, _ := strings.Cut(out, "---\n")
	return strings.Split(strings.TrimSpace(m), "\n"), rest
}

// TestRootTemplate: a root copied from its template (from a plan's second
// run on) is the root the plan's first run assembles itself from the
// template's steps, and the root a run assembles in the way the template
// is not used for (perRunRoot) — the same mounts with the same options,
// the same files with the same modes and owners, the same ids — but for
// /etc/passwd and /etc/group, which a run of a template's plan binds
// read-only instead of writing them in the root's tmpfs.
func TestRootTemplate(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := worldDir(t, "sandbox-template-")
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	for _, mk := range []func() *Sandbox{
		func() *Sandbox { return New().Bind(dir, "/b") },
		func() *Sandbox { return New().BindWritable(dir, "/b").RunAs(1234, 1234).Hostname("judge") },
	} {
		tmpl, own := mk(), mk()
		own.cfg.perRunRoot = true
		fm, frest := viewOf(t, tmpl) // the first run: the template's steps in its own namespace
		tm, trest := viewOf(t, tmpl) // the template's copy
		if tmpl.cfg.roots.tmpl < 0 {
			t.Fatal("the plan's second run built no template")
		}
		om, orest := viewOf(t, own)
		tmpl.Close()
		own.Close()
		if n := tmpl.cfg.roots; n.tmpl >= 0 || n.assembled {
			t.Errorf("Close left the template %d, assembled %v", n.tmpl, n.assembled)
		}
		if !slices.Equal(fm, tm) || frest != trest {
			t.Errorf("the first run's root differs from the template's copy:\nfirst:\n%s\n%s\ncopy:\n%s\n%s", strings.Join(fm, "\n"), frest, strings.Join(tm, "\n"), trest)
		}
		if trest != orest {
			t.Errorf("the files differ:\ntemplate:\n%s\nassembled per run:\n%s", trest, orest)
		}
		var idBinds []string
		for _, m := range tm {
			if strings.HasPrefix(m, "/etc/passwd ") || strings.HasPrefix(m, "/etc/group ") {
				idBinds = append(idBinds, m)
			}
		}
		want := []string{"/etc/group ro,nosuid,nodev,noexec,relatime tmpfs rw,size=65536k", "/etc/passwd ro,nosuid,nodev,noexec,relatime tmpfs rw,size=65536k"}
		if !slices.Equal(idBinds, want) {
			t.Errorf("the id files are mounted as %q, want %q", idBinds, want)
		}
		if rest := slices.DeleteFunc(slices.Clone(tm), func(m string) bool { return slices.Contains(idBinds, m) }); !slices.Equal(rest, om) {
			t.Errorf("the mounts differ:\ntemplate:\n%s\nassembled per run:\n%s", strings.Join(tm, "\n"), strings.Join(om, "\n"))
		}
	}
}

// TestRootTemplateKeepsNoTrace: runs copy one template, whose file systems
// they share, so a run must not be able to change anything the next run
// sees. The attacker is uid 0 (RunAs(0, 0)), which owns every file of the
// template's tmpfs, without capabilities: it writes, creates, removes,
// renames and chmods everywhere in the root, over the id files and the
// generated /etc/hosts, tries to remount, unmount and mount, and leaves
// files in /tmp and /dev/shm. The next run's view of its root (mounts,
// files, modes, contents) is the first run's, to the byte.
func TestRootTemplateKeepsNoTrace(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := worldDir(t, "sandbox-template-")
	sb := New().Bind(dir, "/b").RunAs(0, 0)
	defer sb.Close()
	mounts, files := viewOf(t, sb)
	const attack = `
for d in / /etc /dev /dev/shm /tmp /proc /usr /b; do
	touch $d/planted; mkdir $d/plantdir; ln -s / $d/plantlink; chmod 777 $d
done
for f in /etc/passwd /etc/group /etc/hosts /etc/nsswitch.conf; do
	echo 'evil:x:0:0::/:/bin/sh' >> $f; chmod 666 $f; mv $f $f.old; rm -f $f; touch $f
done
rm -rf /dev/null /dev/zero /usr/bin/true 2>&1
mount -o remount,rw / ; mount -o remount,rw /dev ; mount -o remount,rw,bind /etc/passwd
umount /etc/passwd ; umount -l /dev ; umount -l /proc ; mount -t tmpfs none /etc
unshare -m true ; ls /dev/shm /tmp
` + rootView
	res, out := run(t, sb, "sh", "-c", attack)
	if res.Status != OK {
		t.Fatalf("%+v %s", res, out)
	}
	// The attack must have reached the writable places, or it tested
	// nothing.
	if !strings.Contains(out, "/tmp/planted regular empty file") || !strings.Contains(out, "/dev/shm/planted regular empty file") {
		t.Fatalf("the attack wrote nothing to /tmp and /dev/shm:\n%s", out)
	}
	for i := 0; i < 2; i++ {
		m, f := viewOf(t, sb)
		if !slices.Equal(m, mounts) {
			t.Errorf("run %d after the attack sees other mounts:\n%s\nbefore:\n%s", i+1, strings.Join(m, "\n"), strings.Join(mounts, "\n"))
		}
		if f != files {
			t.Errorf("run %d after the attack sees other files:\n%s\nbefore:\n%s", i+1, f, files)
		}
	}
}

// TestPlanEnterRoot: a run whose root is a template's copy is cloned
// without a mount namespace of its own (no copy of the host's mounts is
// made) and keeps the template's descriptor open through its first steps,
// then joins the template, closes the descriptor (the command never has
// it) and unshares its copy, after the parent's "go" and before the root's
// own steps.
func TestPlanEnterRoot(t *testing.T) {
	const tmpl = 17
	s := specFor(t, New(), defaultNamespaces, true, false)
	s.fds.template = tmpl
	rp := planRun(s)
	p := rp.plan
	if p.CloneFlags&unix.CLONE_NEWNS != 0 {
		t.Errorf("clone flags %#x have CLONE_NEWNS", p.CloneFlags)
	}
	var steps []string
	for i, op := range p.Init.Ops {
		switch {
		case op.Nr == unix.SYS_CLOSE_RANGE && op.Args[0] <= tmpl && tmpl <= op.Args[1]:
			steps = append(steps, "close_range over it")
		case op.Nr == unix.SYS_PPOLL && p.Init.Info[i].Stage == child.StageParentAlive:
			steps = append(steps, "parent alive")
		case op.Nr == unix.SYS_SETNS && op.Args[0] == tmpl && op.Args[1] == unix.CLONE_NEWNS:
			steps = append(steps, "setns")
		case op.Nr == unix.SYS_CLOSE && op.Args[0] == tmpl:
			steps = append(steps, "close")
		case op.Nr == unix.SYS_UNSHARE && op.Args[0] == unix.CLONE_NEWNS:
			steps = append(steps, "unshare")
		}
	}
	if want := []string{"parent alive", "setns", "close", "unshare"}; !slices.Equal(steps, want) {
		t.Errorf("init's steps with the template's descriptor: %q, want %q", steps, want)
	}
	if last := p.Init.Info[len(p.Init.Info)-1].Stage; last != child.StageEnterRoot {
		t.Errorf("init's last step is %v, want it to enter the root", last)
	}
	rp = planFor(t, New(), defaultNamespaces, true, false)
	if rp.plan.CloneFlags&unix.CLONE_NEWNS == 0 || slices.Contains(stagesOf(&rp.plan.Init), child.StageEnterRoot) {
		t.Errorf("without a template: clone flags %#x, init %s", rp.plan.CloneFlags, stageNames(stagesOf(&rp.plan.Init)))
	}
}

// TestRootTemplateRefused: a run that cannot enter a copy of the template
// (here its descriptor no longer names a mount namespace; in a container,
// a seccomp filter that refuses setns) fails with a *SetupError of that
// step, and the Sandbox's later runs assemble their root themselves.
func TestRootTemplateRefused(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := New()
	defer sb.Close()
	for i := 0; i < 2; i++ {
		if res, out := run(t, sb, "true"); res.Status != OK {
			t.Fatalf("%+v %s", res, out)
		}
	}
	rc := sb.cfg.roots
	if rc.tmpl < 0 {
		t.Fatal("no template after two runs")
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	unix.Dup3(int(null.Fd()), rc.tmpl, unix.O_CLOEXEC)
	null.Close()
	_, _, err = runErr(context.Background(), sb, "true")
	var se *SetupError
	if !errors.As(err, &se) || se.Stage != "enter root" {
		t.Fatalf("err = %v, want a SetupError at enter root", err)
	}
	for i := 0; i < 3; i++ {
		if res, out := run(t, sb, "true"); res.Status != OK {
			t.Fatalf("after the refusal: %+v %s", res, out)
		}
	}
	if !rc.noTemplate || rc.build != nil || rc.tmpl >= 0 {
		t.Errorf("a template again: noTemplate %v, build %v, fd %d", rc.noTemplate, rc.build != nil, rc.tmpl)
	}
}

// TestRootTemplateNestedBind: a template's mount sits on a directory, and
// a mount inside a writable bind sits on a directory anybody who can write
// that bind can rename: the mount moves with it (the kernel refuses to
// rename a mount point, not a directory above one). A run renames the
// directory above the caller's read-only bind and plants its own file at
// the bind's place, and the caller empties the writable directory between
// runs: each later run must still see the caller's file there, so such a
// root is assembled per run, never copied from a template.
func TestRootTemplateNestedBind(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	for _, tt := range []struct {
		name   string
		attack func(t *testing.T, sb *Sandbox, w string)
	}{
		{"a run renames the way to it", func(t *testing.T, sb *Sandbox, w string) {
			res, out := run(t, sb, "sh", "-c", "mv /w/a /w/a.old && mkdir -p /w/a/b && echo fake > /w/a/b/x && cat /w/a/b/x")
			if res.Status != OK || out != "fake\n" {
				t.Fatalf("the attack failed: %+v %q", res, out)
			}
		}},
		{"the caller empties the writable directory", func(t *testing.T, sb *Sandbox, w string) {
			if err := os.RemoveAll(filepath.Join(w, "a")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, x := worldDir(t, "sandbox-w-"), worldDir(t, "sandbox-x-")
			if err := os.WriteFile(filepath.Join(x, "x"), []byte("real\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			sb := New().BindWritable(w, "/w").Bind(x, "/w/a/b")
			defer sb.Close()
			for i := 0; i < 6; i++ {
				if i == 3 {
					tt.attack(t, sb, w)
				}
				if res, out := run(t, sb, "cat", "/w/a/b/x"); res.Status != OK || out != "real\n" {
					t.Errorf("run %d: %+v %q, want the bound file's %q", i+1, res, out, "real\n")
				}
			}
		})
	}
}

// TestInBoundTree: which destinations lie inside a bound tree, so that
// their root is never a template's.
func TestInBoundTree(t *testing.T) {
	for _, tt := range []struct {
		sb   *Sandbox
		dst  string
		want bool
	}{
		{New().Bind("/x", "/w"), "/w", false},
		{New().Bind("/x", "/w").Bind("/y", "/w2/a"), "/w2/a", false},
		{New().BindWritable("/x", "/w").Bind("/y", "/w/a/b"), "/w/a/b", true},
		{New().Bind("/y", "/w/a/b").Bind("/x", "/w"), "/w/a/b", true}, // bound later, still nested
		{New().Bind("/y", "/opt/a"), "/opt/a", false},                 // the planner makes /opt
		{New().Bind("/y", "/usr/local/a"), "/usr/local/a", true},      // inside the host's /usr
		{New().Bind("/y", "/usr"), "/usr", false},
		{New().Chroot("/srv/r").Bind("/y", "/opt/a"), "/opt/a", true},
		{New().Chroot("/srv/r").Bind("/y", "/opt"), "/opt", false},
	} {
		if got := tt.sb.cfg.inBoundTree(tt.dst); got != tt.want {
			t.Errorf("%+v: inBoundTree(%q) = %v, want %v", tt.sb.cfg.mounts, tt.dst, got, tt.want)
		}
	}
}
