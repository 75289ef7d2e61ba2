// Package testutil holds what the project's tests share: the one way a test
// says that it cannot run here, and where test binaries keep their
// temporary directories (TempRoot).
//
// There are two kinds of "cannot run":
//
//   - Unmet (and RequireRoot, RequireTool, which call it): the environment
//     lacks something the test needs that could be provided — root, a tool,
//     a library. The test fails under CI=true, where the environment is
//     provisioned and a skip would hide a broken test, and skips elsewhere
//     with how to provide it.
//   - SkipProved: the kernel lacks the feature the test is about, and a probe
//     the test ran shows it (for example, without any filter an int 0x80
//     system call dies by SIGSEGV: IA-32 emulation is off). That skip is
//     accepted under CI=true too, because nothing could make the test
//     meaningful on this kernel. Never call it on an assumption.
//
// No test calls t.Skip directly.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run under CI=true.
func CI() bool { return os.Getenv("CI") == "true" }

// Unmet stops a test that lacks something the environment should provide:
// it fails under CI=true and skips otherwise. The message says what is
// missing and how to provide it.
func Unmet(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (CI=true: the environment must provide it)", msg)
	}
	t.Skip(msg)
}

// RequireRoot lets a privileged test go on as root; otherwise see Unmet.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unmet(t, "needs root: run `sudo go test ./...`")
	}
}

// RequireTool returns the path of the program name, found in $PATH; when it
// is missing see Unmet. pkg is the Debian package that provides it.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Unmet(t, "needs %s: apt-get install %s", name, pkg)
	}
	return path
}

// SkipProved skips a test about a kernel feature this kernel lacks, even
// under CI=true. evidence is what the test observed that proves it: the
// outcome of a probe it ran, never an assumption.
func SkipProved(t testing.TB, feature, evidence string) {
	t.Helper()
	t.Skipf("not applicable on this kernel: %s is absent (proved: %s)", feature, evidence)
}
