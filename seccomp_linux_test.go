package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sandboxkit/sandbox/seccomp"
)

// TestSeccompDefault: every command runs under the default filter, which
// real toolchains and runtimes live with.
func TestSeccompDefault(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	res, out := run(t, New(), "cat", "/proc/self/status")
	if res.Status != OK || !regexp.MustCompile(`(?m)^Seccomp:\s+2$`).MatchString(out) {
		t.Fatalf("no filter: %v\n%s", res.Status, out)
	}
	res, out = run(t, New().Seccomp(nil), "cat", "/proc/self/status")
	if res.Status != OK || !regexp.MustCompile(`(?m)^Seccomp:\s+0$`).MatchString(out) {
		t.Errorf("Seccomp(nil) still filters:\n%s", out)
	}
	// A compiler, an interpreter, a Go program; namespaces refused.
	script := `printf 'int main(){return 0;}' > /tmp/a.c && gcc -O2 -o /tmp/a /tmp/a.c && /tmp/a &&
python3 -c 'import json; print(json.dumps([1]))' &&
! unshare -U true 2>/dev/null && echo done`
	res, out = run(t, New(), "sh", "-c", script)
	if res.Status != OK || !strings.HasSuffix(out, "[1]\ndone\n") {
		t.Errorf("%v\n%s", res.Status, out)
	}
	res, out = run(t, probeSandbox(t), "/probe/probe", "uid")
	if res.Status != OK {
		t.Errorf("Go program: %v %s", res.Status, out)
	}
}

// TestSeccompStrict: the judge profile runs C, C++, python3 and Go
// programs, and refuses what they should not do.
func TestSeccompStrict(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	src := filepath.Join(dir, "p.c")
	os.WriteFile(src, []byte("#include <stdio.h>\nint main(){int a,b; if(scanf(\"%d %d\",&a,&b)!=2) return 1; printf(\"%d\\n\",a+b); return 0;}\n"), 0o644)
	cpp := filepath.Join(dir, "p.cc")
	os.WriteFile(cpp, []byte("#include <iostream>\nint main(){int a,b; std::cin>>a>>b; std::cout<<a+b<<std::endl;}\n"), 0o644)
	for _, c := range [][]string{
		{"gcc", "-O2", "-static", "-o", filepath.Join(dir, "static"), src},
		{"gcc", "-O2", "-o", filepath.Join(dir, "dynamic"), src},
		{"g++", "-O2", "-o", filepath.Join(dir, "cpp"), cpp},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	strict := func() *Sandbox { return New().Seccomp(seccomp.Strict()).Bind(dir, "/sub").Bind(probe(t), "/probe") }
	for _, argv := range [][]string{{"/sub/static"}, {"/sub/dynamic"}, {"/sub/cpp"}, {"/usr/bin/python3", "-c", "print(sum(map(int, input().split())))"}} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin = strings.NewReader("2 40\n")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		res, err := strict().Run(cmd)
		if err != nil || res.Status != OK || out.String() != "42\n" {
			t.Errorf("%v under Strict: %+v %v %q", argv, res, err, out.String())
		}
	}
	res, out := run(t, strict(), "/probe/probe", "uid")
	if res.Status != OK {
		t.Errorf("Go program under Strict: %v %s", res.Status, out)
	}
	res, out = run(t, strict(), "/probe/probe", "listen-lo")
	if res.Status != NonZeroExit || !strings.Contains(out, "operation not permitted") {
		t.Errorf("a socket under Strict: %v %s", res.Status, out)
	}
	res, out = run(t, strict(), "/usr/bin/python3", "-c", "import os; os.fork()")
	if res.Status == OK {
		t.Errorf("fork under Strict: %v %s", res.Status, out)
	}
}

func TestSeccompBadPolicy(t *testing.T) {
	bad := &seccomp.Policy{Default: seccomp.Allow, Rules: []seccomp.Rule{{Syscalls: []string{"no_such_call"}, Action: seccomp.Allow}}}
	_, err := New().Seccomp(bad).Run(exec.Command("true"))
	var ce *ConfigError
	if !errorsAs(err, &ce) || !strings.Contains(err.Error(), "no_such_call") {
		t.Errorf("err = %v, want a ConfigError naming the call", err)
	}
}
