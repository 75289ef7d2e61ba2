//go:build linux

package victims

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

//go:embed src/victim.c
var source []byte

// dirPrefix names the temporary directories Build makes:
// sandbox-victims-<pid>-<random>, so that a later process can sweep the
// ones a killed test process left.
const dirPrefix = "sandbox-victims-"

var built struct {
	once sync.Once
	mu   sync.Mutex
	dir  string
	skip string // why the program cannot be built here (missing tools)
	err  error  // the build failed for another reason
}

// Build compiles src/victim.c statically (gcc -static -O1), once per
// process, into a fresh temporary directory and returns that directory: it
// holds only the binary "victim". The directory and the binary are mode
// 0755. Cleanup removes it; call it from TestMain after m.Run (a directory
// left by a process that died is swept by the next Build).
//
// Without gcc or a static libc (Debian: apt-get install gcc libc6-dev),
// Build skips the test, or fails it when CI=true. Any other build failure
// fails the test.
func Build(t testing.TB) string {
	t.Helper()
	built.once.Do(build)
	built.mu.Lock()
	defer built.mu.Unlock()
	switch {
	case built.skip != "":
		testutil.Unmet(t, "victims: %s", built.skip)
	case built.err != nil:
		t.Fatalf("victims: %v", built.err)
	case built.dir == "":
		t.Fatal("victims: removed by Cleanup")
	}
	return built.dir
}

// Cleanup removes the directory Build made. Build after Cleanup fails.
func Cleanup() {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.dir != "" {
		os.RemoveAll(built.dir)
		built.dir = ""
	}
}

func build() {
	built.mu.Lock()
	defer built.mu.Unlock()
	if runtime.GOOS != "linux" {
		built.skip = "the victim is a Linux program"
		return
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		built.skip = "gcc not found (apt-get install gcc libc6-dev)"
		return
	}
	sweep()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		built.err = err
		return
	}
	src := filepath.Join(dir, "victim.c")
	bin := filepath.Join(dir, "victim")
	err = os.WriteFile(src, source, 0o644)
	var out []byte
	if err == nil {
		out, err = exec.Command(gcc, "-static", "-O1", "-Wall", "-o", bin, src).CombinedOutput()
	}
	os.Remove(src)
	if err == nil {
		err = errors.Join(os.Chmod(dir, 0o755), os.Chmod(bin, 0o755))
	}
	if err != nil {
		os.RemoveAll(dir)
		msg := strings.TrimSpace(string(out))
		if strings.Contains(msg, "cannot find -lc") || strings.Contains(msg, "stdio.h: No such file") {
			built.skip = "no static C library (apt-get install libc6-dev): " + msg
			return
		}
		built.err = fmt.Errorf("gcc -static %s: %v\n%s", src, err, msg)
		return
	}
	built.dir = dir
}

// sweep removes the directories of earlier test processes that are gone.
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), dirPrefix)
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || pid > 1<<22 || pid == os.Getpid() { // PID_MAX_LIMIT
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH { // not /proc: hidepid hides other users'
			os.RemoveAll(d)
		}
	}
}
