//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// testBinary is a test binary built for the guest.
type testBinary struct {
	Name string // file name in the guest's /.vmtest
	Path string // on the host
	Dir  string // the package's directory: where go test would run it
}

// buildTests builds one static test binary per package into dir.
func buildTests(pkgs []string, dir string) ([]testBinary, error) {
	var bins []testBinary
	for i, pkg := range pkgs {
		out, err := exec.Command("go", "list", "-f", "{{.Dir}}\t{{.Name}}", pkg).Output()
		if err != nil {
			return nil, fmt.Errorf("go list %s: %w%s", pkg, err, exitStderr(err))
		}
		pkgDir, name, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
		b := testBinary{Name: fmt.Sprintf("%d-%s.test", i+1, name), Dir: pkgDir}
		b.Path = filepath.Join(dir, b.Name)
		cmd := exec.Command("go", "test", "-c", "-o", b.Path, pkg)
		// A static binary for the guest's qemu64 CPU: never GOAMD64=v3.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOAMD64=v1", "GOOS=linux", "GOARCH=amd64")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go test -c %s: %w", pkg, err)
		}
		if _, err := os.Stat(b.Path); err != nil {
			return nil, fmt.Errorf("go test -c %s wrote no binary (no test files?)", pkg)
		}
		bins = append(bins, b)
	}
	return bins, nil
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return "\n" + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// wrapper is the guest script that runs one test binary like go test
// does: in the package's directory, with a clean environment.
func wrapper(b testBinary, env, testArgs []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "cd %s || exit 125\nexec /.vmtest/busybox env -i", shellQuote(b.Dir))
	for _, e := range env {
		sb.WriteString(" " + shellQuote(e))
	}
	sb.WriteString(" /.vmtest/" + b.Name)
	for _, a := range testArgs {
		sb.WriteString(" " + shellQuote(a))
	}
	sb.WriteString("\n")
	return sb.String()
}

// guestEnv is the environment of the test binaries in the guest.
func guestEnv(extra []string) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	if goroot, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		path += ":" + filepath.Join(strings.TrimSpace(string(goroot)), "bin")
	}
	ci := os.Getenv("CI")
	if ci == "" {
		ci = "true"
	}
	env := []string{
		"PATH=" + path, "HOME=/root", "TMPDIR=/tmp", "USER=root", "LANG=C.UTF-8",
		"SANDBOX_VMTEST=cgroup2", "CI=" + ci, "GOTOOLCHAIN=local",
	}
	return append(env, extra...)
}
