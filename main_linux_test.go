package sandbox

import (
	"os"
	"testing"

	"github.com/sandboxkit/sandbox/internal/child"
	"github.com/sandboxkit/sandbox/internal/testutil"
	"github.com/sandboxkit/sandbox/internal/victims"
)

func TestMain(m *testing.M) {
	if os.Getenv(rootlessEnv) != "" {
		// Re-executed by TestRootless as an unprivileged user.
		os.Exit(rootlessInner())
	}
	if marker := os.Getenv(crasherEnv); marker != "" {
		os.Exit(crasherMain(marker))
	}
	if spec := os.Getenv(embedderEnv); spec != "" {
		os.Exit(embedderMain(spec))
	}
	if os.Getenv(lockdownEnv) != "" {
		// Re-executed by TestLockdown: enter the locked-down container.
		if err := enterLockdown(); err != nil {
			println("lockdown:", err.Error())
			os.Exit(1)
		}
	}
	if marker := os.Getenv(landlockCrasherEnv); marker != "" {
		os.Exit(landlockCrasherMain(marker))
	}
	if marker := os.Getenv(gvisorCrasherEnv); marker != "" {
		os.Exit(gvisorCrasherMain(marker))
	}
	// This binary's temporary directories, in one that the next binary
	// removes if this one is killed.
	if dir, err := testutil.TempRoot(); err != nil {
		println("temporary directories in", os.TempDir()+":", err.Error())
	} else {
		tempRoot = dir
	}
	// The runtime makes its poller's descriptors on first use: make them now
	// so that the tests' descriptor counts start from a settled baseline.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	// And the goroutine that forks every init lives as long as the process,
	// as does the pidfd of the process that inits poll.
	child.StartForker()
	parentPidfd()
	code := m.Run()
	// The programs built for the tests live in temporary directories.
	victims.Cleanup()
	for _, dir := range []string{probeDir, staticTrueDir, statsDir, tempRoot} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
