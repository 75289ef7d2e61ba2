//go:build linux

package main

import (
	"os"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// TestMain points TMPDIR at this test binary's directory, so that what
// the judge and the tests make there (the judge's job directories, the Go
// build cache) is removed by the next test binary when this one is killed
// mid-job (a fork bomb's OOM kill can take it).
func TestMain(m *testing.M) {
	dir, err := testutil.TempRoot()
	if err != nil {
		println("temporary directories in", os.TempDir()+":", err.Error())
	} else {
		os.Setenv("TMPDIR", dir)
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
