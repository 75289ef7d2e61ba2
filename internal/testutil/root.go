// Package testutil holds what the project's tests share.
package testutil

import (
	"os"
	"testing"
)

// RequireRoot lets a privileged test go on as root. Otherwise it fails
// under CI=true, where a skip would hide a broken test, and skips with the
// command to run elsewhere.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("privileged test run without root under CI=true")
	}
	t.Skip("needs root: run `sudo go test ./...`")
}
