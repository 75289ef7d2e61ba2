package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOpenHost: the parent's resolver of host paths, on a tree of links
// owned by root and by the sandbox's uid: which it follows, which it
// refuses (and names), and what physical path and file it ends on.
func TestOpenHost(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	base := t.TempDir()
	name := filepath.Base(base)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// base is a directory anyone may change (as a writable bind); safe
	// one only root may, with a sticky directory in it.
	must(os.Chmod(base, 0o777))
	safe := t.TempDir()
	must(os.Chmod(safe, 0o755))
	must(os.MkdirAll(safe+"/w", 0o777))
	must(os.Chmod(safe+"/w", 0o777))
	must(os.Mkdir(safe+"/sticky", 0o755))
	must(os.Chmod(safe+"/sticky", 0o777|os.ModeSticky))
	must(os.Mkdir(safe+"/sticky/roots", 0o755))
	must(os.Mkdir(safe+"/sticky/theirs", 0o755))
	must(os.Chown(safe+"/sticky/theirs", DefaultUID, DefaultGID))
	must(os.MkdirAll(base+"/dir/sub", 0o755))
	must(os.WriteFile(base+"/dir/file", []byte("x"), 0o644))
	links := []struct {
		name, target string
		uid          int
	}{
		{"abs", base + "/dir", 0},
		{"rel", "dir", 0},
		{"up", "../" + name + "/dir", 0},
		{"dotdot", "dir/sub/../..", 0},
		{"chain1", "chain2", 0},
		{"chain2", "abs/sub", 0},
		{"nobody", "dir", DefaultUID},
		{"via-nobody", "nobody/sub", 0},
		{"dir/nobody-up", "..", DefaultUID},
		{"loop1", "loop2", 0},
		{"loop2", "loop1", 0},
		{"self", "self/x", 0},
		{"dangling", "missing", 0},
		{"empty-dir-link", "dir/", 0},
		{"tofile", "dir/file", 0},
		{"root", "/", 0},
	}
	for _, l := range links {
		must(os.Symlink(l.target, filepath.Join(base, l.name)))
		must(os.Lchown(filepath.Join(base, l.name), l.uid, l.uid))
	}
	var deep string
	for i := 0; i < maxSymlinks+1; i++ {
		next := filepath.Join(base, "deep"+string(rune('a'+i/26))+string(rune('a'+i%26)))
		if i == 0 {
			must(os.Symlink("dir", next))
		} else {
			must(os.Symlink(filepath.Base(deep), next))
		}
		deep = next
	}

	tests := []struct {
		path   string
		follow bool
		want   string // physical path, or "" when an error is wanted
		err    error  // errno, or ErrUntrustedSymlink
		link   string // the link named by ErrUntrustedSymlink
		mode   uint32
		// rootOnly: only root could change what path names (/tmp,
		// which holds base, is everyone's).
		rootOnly bool
	}{
		{path: base + "/dir", want: base + "/dir", mode: unix.S_IFDIR},
		{path: base + "/dir/", want: base + "/dir", mode: unix.S_IFDIR},
		{path: base + "//dir/./sub/", want: base + "/dir/sub", mode: unix.S_IFDIR},
		{path: base + "/dir/sub/..", want: base + "/dir", mode: unix.S_IFDIR},
		{path: base + "/abs/file", want: base + "/dir/file", mode: unix.S_IFREG},
		{path: base + "/abs", follow: true, want: base + "/dir", mode: unix.S_IFDIR},
		{path: base + "/abs", want: base + "/abs", mode: unix.S_IFLNK},  // not followed: the link itself
		{path: base + "/abs/", want: base + "/dir", mode: unix.S_IFDIR}, // a trailing slash follows it
		{path: base + "/rel/sub", want: base + "/dir/sub", mode: unix.S_IFDIR},
		{path: base + "/up/sub", want: base + "/dir/sub", mode: unix.S_IFDIR},
		{path: base + "/dotdot/dir", want: base + "/dir", mode: unix.S_IFDIR},
		// ".." after a link is the link target's parent, not the lexical one.
		{path: base + "/abs/sub/../file", want: base + "/dir/file", mode: unix.S_IFREG},
		{path: base + "/chain1", follow: true, want: base + "/dir/sub", mode: unix.S_IFDIR},
		{path: base + "/tofile", follow: true, want: base + "/dir/file", mode: unix.S_IFREG},
		{path: base + "/empty-dir-link", follow: true, want: base + "/dir", mode: unix.S_IFDIR},
		{path: base + "/root" + base + "/dir", want: base + "/dir", mode: unix.S_IFDIR},
		{path: "/..", want: "/", mode: unix.S_IFDIR, rootOnly: true},
		{path: "/proc/../dev/null", follow: true, want: "/dev/null", mode: unix.S_IFCHR, rootOnly: true},
		{path: "/tmp", want: "/tmp", mode: unix.S_IFDIR, rootOnly: true},
		{path: safe, want: safe, mode: unix.S_IFDIR, rootOnly: true},
		{path: safe + "/w", want: safe + "/w", mode: unix.S_IFDIR, rootOnly: true},
		{path: safe + "/w/..", want: safe, mode: unix.S_IFDIR, rootOnly: true},
		{path: safe + "/w/x/..", err: unix.ENOENT},
		{path: safe + "/sticky/roots", want: safe + "/sticky/roots", mode: unix.S_IFDIR, rootOnly: true},
		{path: safe + "/sticky/theirs", want: safe + "/sticky/theirs", mode: unix.S_IFDIR},
		{path: safe + "/sticky/roots/../theirs", want: safe + "/sticky/theirs", mode: unix.S_IFDIR},
		{path: "/../" + strings.TrimPrefix(base, "/") + "/../" + name + "/dir", want: base + "/dir", mode: unix.S_IFDIR},

		// The sandbox's links are refused wherever they are met.
		{path: base + "/nobody", follow: true, err: ErrUntrustedSymlink, link: base + "/nobody"},
		{path: base + "/nobody/sub", err: ErrUntrustedSymlink, link: base + "/nobody"},
		{path: base + "/via-nobody", follow: true, err: ErrUntrustedSymlink, link: base + "/nobody"},
		{path: base + "/abs/nobody-up/dir", err: ErrUntrustedSymlink, link: base + "/dir/nobody-up"},
		{path: base + "/nobody", want: base + "/nobody", mode: unix.S_IFLNK}, // not followed: not refused

		{path: base + "/loop1", follow: true, err: unix.ELOOP},
		{path: base + "/self", follow: true, err: unix.ELOOP},
		{path: deep, follow: true, err: unix.ELOOP},
		{path: base + "/dangling", follow: true, err: unix.ENOENT},
		{path: base + "/dangling", want: base + "/dangling", mode: unix.S_IFLNK},
		{path: base + "/missing/x", err: unix.ENOENT},
		{path: base + "/dir/file/x", err: unix.ENOTDIR},
		{path: base + "/tofile/x", err: unix.ENOTDIR},
		{path: base + "/dir/file/", err: unix.ENOTDIR},
		{path: "relative/path", err: errRelative},
	}
	for _, tt := range tests {
		h, err := openHost(tt.path, tt.follow)
		if tt.want == "" {
			if err == nil {
				unix.Close(h.fd)
				t.Errorf("openHost(%q, %v) = %q, want an error %v", tt.path, tt.follow, h.path, tt.err)
				continue
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("openHost(%q, %v): %v, want %v", tt.path, tt.follow, err, tt.err)
			}
			if got := errPath(err, tt.path); tt.link != "" && got != tt.link {
				t.Errorf("openHost(%q, %v) names %q, want the link %q", tt.path, tt.follow, got, tt.link)
			}
			continue
		}
		if err != nil {
			t.Errorf("openHost(%q, %v): %v", tt.path, tt.follow, err)
			continue
		}
		// What was opened is the file at the physical path.
		var st unix.Stat_t
		if e := unix.Lstat(h.path, &st); e != nil || st.Ino != h.st.Ino || st.Dev != h.st.Dev {
			t.Errorf("openHost(%q, %v): %q is not the file opened (%v)", tt.path, tt.follow, h.path, e)
		}
		var fst unix.Stat_t
		unix.Fstat(h.fd, &fst)
		if fst.Ino != h.st.Ino || fst.Dev != h.st.Dev {
			t.Errorf("openHost(%q, %v): the descriptor is not the file stat'ed", tt.path, tt.follow)
		}
		unix.Close(h.fd)
		if h.path != tt.want || h.mode() != tt.mode || h.rootOnly != tt.rootOnly {
			t.Errorf("openHost(%q, %v) = %q mode %o root-only %v, want %q mode %o root-only %v",
				tt.path, tt.follow, h.path, h.mode(), h.rootOnly, tt.want, tt.mode, tt.rootOnly)
		}
	}
}

// BenchmarkOpenHost: resolving system entries as a new root plan does
// (/lib is a link on a merged-/usr host, /etc/ld.so.cache two levels deep).
func BenchmarkOpenHost(b *testing.B) {
	paths := []string{"/usr", "/lib", "/etc/ld.so.cache", "/dev/null"}
	for b.Loop() {
		for _, p := range paths {
			h, err := openHost(p, false)
			if err != nil {
				b.Fatal(err)
			}
			unix.Close(h.fd)
		}
	}
}
