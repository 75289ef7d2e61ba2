package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

const argvEnv = "SECCOMP_KERNEL_ARGV"

// childMode runs in the re-executed test binary: "exec:<profile>" installs
// the profile and execs the argv in argvEnv, as the sandbox does;
// "go:<profile>" installs it and exercises the Go runtime.
func childMode(mode string) {
	kind, profile, _ := strings.Cut(mode, ":")
	if err := install(profile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	switch kind {
	case "exec":
		var argv []string
		if err := json.Unmarshal([]byte(os.Getenv(argvEnv)), &argv); err != nil || len(argv) == 0 {
			fmt.Fprintln(os.Stderr, "bad argv:", err)
			os.Exit(2)
		}
		env := make([]string, 0, len(os.Environ()))
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, kernelTestEnv+"=") && !strings.HasPrefix(kv, argvEnv+"=") {
				env = append(env, kv)
			}
		}
		err := syscall.Exec(argv[0], argv, env)
		fmt.Fprintln(os.Stderr, "exec:", err)
		os.Exit(2)
	case "go":
		goWork()
	}
	os.Exit(2)
}

// goWork is what a Go submission does: goroutines on several threads,
// garbage collection, timers, files; it prints "ok".
func goWork() {
	runtime.UnlockOSThread()
	var wg sync.WaitGroup
	sums := make([]int, 8)
	for g := range sums {
		wg.Go(func() {
			var keep [][]byte
			for i := 0; i < 2000; i++ {
				keep = append(keep, make([]byte, 1024))
				sums[g] += len(keep[i])
			}
			time.Sleep(time.Millisecond)
		})
	}
	wg.Wait()
	runtime.GC()
	f := filepath.Join(os.Getenv("TMPDIR"), "gowork")
	if err := os.WriteFile(f, []byte("ok\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, err := os.ReadFile(f)
	if err != nil || sums[7] != 2000*1024 {
		fmt.Fprintln(os.Stderr, "read:", err, sums)
		os.Exit(1)
	}
	fmt.Print(string(b))
	os.Exit(0)
}

// debianPackage names the package that provides each program the tests
// run (.ci/run installs them).
var debianPackage = map[string]string{
	"sh": "dash", "python3": "python3", "gcc": "gcc libc6-dev", "g++": "g++",
	"java": "default-jre-headless", "go": "golang (or https://go.dev/dl)",
}

// runUnder runs argv with profile installed, in a child of this test
// binary, and returns its output.
func runUnder(t *testing.T, profile string, argv ...string) (string, error) {
	t.Helper()
	path := argv[0]
	if !filepath.IsAbs(path) {
		path = testutil.RequireTool(t, path, debianPackage[path])
	}
	js, _ := json.Marshal(append([]string{path}, argv[1:]...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), kernelTestEnv+"=exec:"+profile, argvEnv+"="+string(js), "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestProgramsUnderDefault: shells, interpreters, compilers and runtimes
// run unchanged under Default.
func TestProgramsUnderDefault(t *testing.T) {
	dir := t.TempDir()
	hello := filepath.Join(dir, "hello.c")
	if err := os.WriteFile(hello, []byte("#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"sh", "-c", "true"}, ""},
		{[]string{"sh", "-c", "echo a | cat; ls / >/dev/null && echo b"}, "a\nb\n"},
		{[]string{"python3", "-c", "import threading, subprocess; print(subprocess.run(['echo', '1'], capture_output=True).stdout.decode(), end='')"}, "1\n"},
		// The socket families ordinary programs use (getaddrinfo asks
		// rtnetlink which addresses are configured).
		{[]string{"python3", "-c", "import socket as s; [s.socket(f).close() for f in (s.AF_INET, s.AF_INET6, s.AF_UNIX)]; s.socketpair(); s.getaddrinfo('localhost', 80, flags=s.AI_ADDRCONFIG); print('sockets')"}, "sockets"},
		{[]string{"gcc", "--version"}, "gcc"},
		// gcc runs cc1, as and ld: fork, vfork/clone, execve, pipes.
		{[]string{"gcc", "-o", filepath.Join(dir, "hello"), hello}, ""},
		{[]string{"java", "-version"}, "version"},
		{[]string{"go", "version"}, "go version"},
	} {
		t.Run(c.argv[0], func(t *testing.T) {
			out, err := runUnder(t, "default", c.argv...)
			if err != nil || !strings.Contains(out, c.want) {
				t.Fatalf("%q under Default: %v\n%s", c.argv, err, out)
			}
		})
	}
	t.Run("go-runtime", func(t *testing.T) { checkGoWork(t, "default") })
}

// TestProgramsUnderStrict: the online-judge profile runs static and
// dynamic C and C++ programs, python3 and Go binaries.
func TestProgramsUnderStrict(t *testing.T) {
	t.Run("go-runtime", func(t *testing.T) { checkGoWork(t, "strict") })
	t.Run("python3", func(t *testing.T) {
		// The interpreter itself, not a wrapper script (pyenv's shim is bash).
		py, err := exec.Command(testutil.RequireTool(t, "python3", debianPackage["python3"]), "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			t.Fatal(err)
		}
		out, err := runUnder(t, "strict", strings.TrimSpace(string(py)), "-c", "import sys, math; print(sum(int(x) for x in '1 2 3'.split()), math.pi > 3)")
		if err != nil || out != "6 True\n" {
			t.Fatalf("python3 under Strict: %v\n%s", err, out)
		}
	})
	dir := t.TempDir()
	progs := []struct{ name, compiler, src, flags string }{
		{"c-static", "gcc", "#include <stdio.h>\n#include <stdlib.h>\nint main(void){int *p=malloc(1<<20);p[0]=42;printf(\"%d\\n\",p[0]);return 0;}\n", "-static"},
		{"c-dynamic", "gcc", "#include <stdio.h>\nint main(void){int a,b;if(scanf(\"%d %d\",&a,&b)!=2)a=b=20;printf(\"%d\\n\",a+b+2);return 0;}\n", ""},
		// What Strict refuses, seen from C: fork and socket fail with EPERM.
		{"c-refused", "gcc", "#include <stdio.h>\n#include <errno.h>\n#include <unistd.h>\n#include <sys/socket.h>\nint main(void){int f=fork();int fe=errno;int s=socket(AF_INET,SOCK_STREAM,0);if(f<0&&fe==EPERM&&s<0&&errno==EPERM)puts(\"42\");else printf(\"fork %d socket %d\\n\",f,s);return 0;}\n", ""},
		{"cxx-dynamic", "g++", "#include <iostream>\n#include <vector>\n#include <thread>\nint main(){std::vector<int> v(42,1);int s=0;std::thread th([&]{for(int x:v)s+=x;});th.join();std::cout<<s<<std::endl;}\n", "-pthread"},
	}
	for _, p := range progs {
		t.Run(p.name, func(t *testing.T) {
			compiler := testutil.RequireTool(t, p.compiler, debianPackage[p.compiler])
			src := filepath.Join(dir, p.name+".src")
			bin := filepath.Join(dir, p.name)
			if err := os.WriteFile(src, []byte(p.src), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"-x", "c", src, "-o", bin}
			if p.compiler == "g++" {
				args[1] = "c++"
			}
			if p.flags != "" {
				args = append(args, p.flags)
			}
			if out, err := exec.Command(compiler, args...).CombinedOutput(); err != nil {
				if p.flags == "-static" && strings.Contains(string(out), "cannot find -lc") {
					testutil.Unmet(t, "needs a static C library: apt-get install libc6-dev (%s)", out)
				}
				t.Fatalf("build: %v\n%s", err, out)
			}
			out, err := runUnder(t, "strict", bin)
			if err != nil || out != "42\n" {
				t.Fatalf("%s under Strict: %v\n%s", p.name, err, out)
			}
		})
	}
}

func checkGoWork(t *testing.T, profile string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), kernelTestEnv+"=go:"+profile, "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("Go runtime under %s: %v\n%s", profile, err, out)
	}
}
