//go:build linux

package victims

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// TestAttacksTable: at least 40 attacks, unique well-formed names, every
// field filled, and every class the escape suite promises covered.
func TestAttacksTable(t *testing.T) {
	if len(Attacks) < 40 {
		t.Errorf("%d attacks, want at least 40", len(Attacks))
	}
	name := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	classes := map[string]int{}
	for _, a := range Attacks {
		if !name.MatchString(a.Name) {
			t.Errorf("attack name %q: want lower-case words joined by '-'", a.Name)
		}
		if seen[a.Name] {
			t.Errorf("attack %q listed twice", a.Name)
		}
		seen[a.Name] = true
		classes[a.Class]++
		if a.Class == "" || a.Description == "" || a.StoppedBy == "" {
			t.Errorf("attack %q: empty class, description or StoppedBy: %+v", a.Name, a)
		}
		if a.Expect == KilledBySIGSYS && !a.NeedsSeccomp {
			t.Errorf("attack %q expects SIGSYS but does not say it needs seccomp", a.Name)
		}
		if (a.Expect == KilledBySIGSYS) != (a.ForeignABI != "") {
			t.Errorf("attack %q: only the foreign-ABI attacks expect SIGSYS, and they all do", a.Name)
		}
		if got, ok := Lookup(a.Name); !ok || got.Name != a.Name {
			t.Errorf("Lookup(%q) = %v, %v", a.Name, got, ok)
		}
	}
	for _, c := range []string{ClassChroot, ClassExe, ClassProcfs, ClassFdLeak, ClassTerminal, ClassSeccomp,
		ClassCgroup, ClassKnobs, ClassPtrace, ClassSignals, ClassDevices, ClassMounts, ClassLimits, ClassCaps,
		ClassNamespaces, ClassKernel, ClassShocker, ClassAdmin, ClassInfoLeak, ClassNetwork, ClassFilesystem, ClassIPC} {
		if classes[c] == 0 {
			t.Errorf("no attack of class %q", c)
		}
	}
	if _, ok := Lookup("no-such-attack"); ok {
		t.Error("Lookup found an attack that does not exist")
	}
}

func TestArgs(t *testing.T) {
	a, _ := Lookup("kill-host")
	got := strings.Join(a.Args(Host{Marker: "/tmp/m", PID: 42, Port: 8080, Abstract: "sock"}), " ")
	if want := "kill-host /tmp/m 42 8080 sock"; got != want {
		t.Errorf("Args = %q, want %q", got, want)
	}
	if got, want := strings.Join(a.Args(Host{}), " "), "kill-host - 0 0 -"; got != want {
		t.Errorf("Args(Host{}) = %q, want %q", got, want)
	}
	if got := NeedMarker | NeedTTY; got.String() != "marker, tty" {
		t.Errorf("Needs.String() = %q", got.String())
	}
}

func TestReachesFilter(t *testing.T) {
	mknod, _ := Lookup("mknod")
	int80, _ := Lookup("int80")
	x32, _ := Lookup("x32")
	for _, c := range []struct {
		a       Attack
		o       Outcome
		reached bool
	}{
		{mknod, Outcome{Signal: syscall.SIGSEGV}, true},
		{int80, Outcome{Signal: syscall.SIGSEGV}, false},
		{int80, Outcome{Exited: true, ExitCode: 42, Output: "ESCAPED int80: i386 getuid through int 0x80 returned 0\n"}, true},
		{int80, Outcome{Exited: true, Output: "BLOCKED int80: not x86-64: no int 0x80 ABI to try\n"}, false},
		{x32, Outcome{Exited: true, ExitCode: 42, Output: "ESCAPED x32: x32 getpid returned ENOSYS\n"}, true},
		{x32, Outcome{Exited: true, ExitCode: 42, Output: "ESCAPED x32: x32 getpid returned 7\n"}, true},
	} {
		reached, evidence := c.a.ReachesFilter(c.o)
		if reached != c.reached || !reached && evidence == "" {
			t.Errorf("%s.ReachesFilter(%+v) = %v, %q; want %v with evidence when false", c.a.Name, c.o, reached, evidence, c.reached)
		}
	}
}

func TestCheck(t *testing.T) {
	mkdir, _ := Lookup("mknod")
	int80, _ := Lookup("int80")
	for _, c := range []struct {
		a    Attack
		o    Outcome
		fail bool
	}{
		{mkdir, Outcome{Exited: true, Output: "BLOCKED mknod: mknod /tmp/x c 1 3: EPERM (Operation not permitted)\n"}, false},
		{mkdir, Outcome{Signal: syscall.SIGSYS}, false},
		{mkdir, Outcome{Exited: true, ExitCode: 42, Output: "ESCAPED mknod: made and opened\n"}, true},
		{mkdir, Outcome{Exited: true, Output: "BLOCKED mkdir: wrong name\n"}, true},
		{mkdir, Outcome{Exited: true, Output: "BLOCKED mknod: a\nESCAPED mknod: b\n"}, true},
		{mkdir, Outcome{Exited: true, ExitCode: 42, Output: "BLOCKED mknod: lying exit code\n"}, true},
		{mkdir, Outcome{Exited: true, ExitCode: 2, Output: "usage"}, true},
		{mkdir, Outcome{Signal: syscall.SIGKILL}, true},
		{mkdir, Outcome{Exited: true}, true},
		{int80, Outcome{Signal: syscall.SIGSYS}, false},
		{int80, Outcome{Exited: true, ExitCode: 42, Output: "ESCAPED int80: survived"}, true},
		{int80, Outcome{Exited: true, Output: "BLOCKED int80: no"}, true},
		{int80, Outcome{Signal: syscall.SIGSEGV}, true},
	} {
		if err := c.a.Check(c.o); (err != nil) != c.fail {
			t.Errorf("%s.Check(%+v) = %v, want failure %v", c.a.Name, c.o, err, c.fail)
		}
	}
}

func TestMarkdownTable(t *testing.T) {
	md := MarkdownTable()
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if len(lines) != len(Attacks)+2 || lines[0] != "| attack | class | what it tries | Landlock backend |" || lines[1] != "| --- | --- | --- | --- |" {
		t.Fatalf("table header or length wrong:\n%s", md)
	}
	for i, a := range Attacks {
		if !strings.HasPrefix(lines[i+2], "| "+a.Name+" | "+a.Class+" | ") {
			t.Errorf("row %d = %q", i, lines[i+2])
		}
		if ll := strings.HasSuffix(lines[i+2], " | stopped |"); ll != (a.LandlockGap == "") {
			t.Errorf("row %d: the Landlock column does not follow LandlockGap %q: %q", i, a.LandlockGap, lines[i+2])
		}
		if strings.Count(strings.ReplaceAll(lines[i+2], `\|`, ""), "|") != 5 {
			t.Errorf("row %d has an unescaped '|': %q", i, lines[i+2])
		}
	}
}

// TestList builds the program and checks that it knows exactly the
// attacks of the table, in order, and refuses bad usage with exit 2.
// "--list" and usage errors run no attack, so this is safe as root.
func TestList(t *testing.T) {
	dir := Build(t)
	bin := filepath.Join(dir, "victim")
	for _, p := range []string{dir, bin} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v, want 0755", p, st.Mode().Perm())
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%s holds %d entries, want only the binary", dir, len(ents))
	}
	if Build(t) != dir {
		t.Error("a second Build made another directory")
	}
	out, err := exec.Command(bin, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(string(out))
	if len(names) != len(Attacks) {
		t.Errorf("victim --list has %d attacks, Attacks %d", len(names), len(Attacks))
	}
	for i := 0; i < min(len(names), len(Attacks)); i++ {
		if names[i] != Attacks[i].Name {
			t.Errorf("attack %d: victim %q, Attacks %q", i, names[i], Attacks[i].Name)
		}
	}
	for _, args := range [][]string{nil, {"no-such-attack", "-", "0", "0", "-"}, {"mknod"}} {
		err := exec.Command(bin, args...).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("victim %q: %v, want exit 2", args, err)
		}
	}
}
