package sandbox

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv(rootlessEnv) != "" {
		// Re-executed by TestRootless as an unprivileged user.
		os.Exit(rootlessInner())
	}
	if marker := os.Getenv(crasherEnv); marker != "" {
		os.Exit(crasherMain(marker))
	}
	code := m.Run()
	// The programs built for the tests live in temporary directories.
	for _, dir := range []string{probeDir, staticTrueDir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
