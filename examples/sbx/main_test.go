//go:build linux

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox"
	"github.com/sandboxkit/sandbox/internal/testutil"
)

// sbxBinary builds sbx once for the test.
func sbxBinary(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	bin := filepath.Join(t.TempDir(), "sbx")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v %s", err, out)
	}
	return bin
}

// TestExitCodes: sbx's exit code carries the command's, or its verdict's.
func TestExitCodes(t *testing.T) {
	bin := sbxBinary(t)
	policy := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(policy, []byte(`{"defaultAction":"allow","rules":[{"syscalls":["mkdir","mkdirat"],"action":"errno:13","optional":true}]}`), 0o644)
	tests := []struct {
		args []string
		code int
		json string
	}{
		{[]string{"--", "true"}, 0, ""},
		{[]string{"--", "sh", "-c", "exit 3"}, 3, ""},
		{[]string{"--", "sh", "-c", "kill -SEGV $$"}, 128 + 11, ""},
		{[]string{"--wall-time", "100ms", "--json", "--", "sleep", "5"}, exitWallTime, `"status":"WallTimeLimitExceeded"`},
		{[]string{"--mem", "32MiB", "--json", "--", "python3", "-c", "a=bytearray(200<<20)"}, exitMemory, `"status":"MemoryLimitExceeded"`},
		// The run statistics: one process, and a cgroup (the limit) to
		// count the peak; what sbx does not copy (stdout) is left out.
		{[]string{"--pids", "8", "--json", "--", "true"}, 0, `"disk_written":0,"processes":1,"processes_peak":1}`},
		{[]string{"--cpu-time", "200ms", "--", "sh", "-c", "while :; do :; done"}, exitCPUTime, ""},
		{[]string{"--output-limit", "1k", "--", "yes"}, exitOutput, ""},
		{[]string{"--", "no-such-command"}, exitNotFound, ""},
		{[]string{"--bind", "/nonexistent:/x", "--", "true"}, exitSetup, ""},
		{[]string{"--seccomp", policy, "--", "mkdir", "/tmp/d"}, 1, ""},
		{[]string{"--seccomp", "strict", "--", "/usr/bin/python3", "-c", "import socket; socket.socket()"}, 1, ""},
		{[]string{"--mem", "tiny", "--", "true"}, 2, ""},
	}
	if err := sandbox.Landlock.Available(); err == nil {
		tests = append(tests, []struct {
			args []string
			code int
			json string
		}{
			{[]string{"--backend", "landlock", "--cpu-time", "200ms", "--json", "--", "sh", "-c", "while :; do :; done"}, exitCPUTime, `"status":"CPUTimeLimitExceeded"`},
			{[]string{"--backend", "landlock", "--", "cat", "/etc/hostname"}, 1, ""},
			{[]string{"--backend", "landlock", "--landlock-best-effort", "--", "true"}, 0, ""},
			{[]string{"--backend", "landlock", "--bind", "/srv:/x", "--", "true"}, exitSetup, ""},
		}...)
	} else {
		t.Logf("no --backend landlock cases: %v", err)
	}
	for _, tt := range tests {
		cmd := exec.Command(bin, tt.args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code || !strings.Contains(stderr.String(), tt.json) {
			t.Errorf("sbx %q: exit %d, want %d; stderr %s", tt.args, code, tt.code, stderr.String())
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "64k": 64 << 10, "64KiB": 64 << 10, "256M": 256 << 20, "1GiB": 1 << 30, "2g": 2 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "1.5G", "99999999999T"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// TestDefaultSandbox: with no flags the command runs in the library's
// default sandbox, whatever sbx skips as a one-shot process: its own
// network namespace with only loopback, its own host name and PID
// namespace, the unprivileged identity without capabilities, no_new_privs
// and one seccomp filter, a read-only root.
func TestDefaultSandbox(t *testing.T) {
	bin := sbxBinary(t)
	script := `echo ifaces=$(sed -n '3,$p' /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,); hostname; u=$(id -u); echo own-uid=$((u >= 2000000000 && u < 2000065536)) $(id -un); echo pid=$$;
grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters|CapEff):' /proc/self/status; touch /usr/x 2>/dev/null && echo root-writable; true`
	out, err := exec.Command(bin, "--", "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// A uid of its own from the default range (sandbox.UIDRange), named in
	// the sandbox's /etc/passwd.
	want := "ifaces=lo,\nsandbox\nown-uid=1 sandbox\npid=2\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\nCapEff:\t0000000000000000\n"
	if !sameLines(string(out), want) {
		t.Errorf("default sandbox seen from inside:\n%s\nwant (in any order):\n%s", out, want)
	}
}

// sameLines says whether a and b hold the same lines, in any order.
func sameLines(a, b string) bool {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// TestInterrupted: SIGINT or SIGTERM to sbx kills the sandbox, and sbx
// exits 137 having left no process behind.
func TestInterrupted(t *testing.T) {
	bin := sbxBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := exec.Command(bin, "--", "sleep", "31.7")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Signal once the command runs (its cmdline is visible), or after
		// a few seconds on a slow machine.
		for i := 0; i < 100 && len(sleeping("31.7")) == 0; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		start := time.Now()
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != exitKilled || time.Since(start) > 10*time.Second {
			t.Errorf("%v: sbx exited %d (%v) after %v, want %d at once", sig, code, err, time.Since(start), exitKilled)
		}
		if left := sleeping("31.7"); len(left) > 0 {
			t.Errorf("%v: left behind: pids %v", sig, left)
		}
	}
}

// sleeping returns the pids of `sleep arg`.
func sleeping(arg string) []string {
	var pids []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if argv := strings.Split(string(b), "\x00"); err == nil && len(argv) > 1 && argv[0] == "sleep" && argv[1] == arg {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// TestDoctorBackends: sbx doctor says, for each backend, available or why
// not and how to fix it.
func TestDoctorBackends(t *testing.T) {
	bin := sbxBinary(t)
	out, err := exec.Command(bin, "doctor").Output()
	if err != nil {
		t.Fatalf("sbx doctor: %v\n%s", err, out)
	}
	wants := []string{"backend native ", "backend landlock ", "backend gvisor ", "Landlock   "}
	if sandbox.Native.Available() == nil {
		wants = append(wants, "ok   backend native                 available")
	}
	if sandbox.Landlock.Available() == nil {
		wants = append(wants, "ok   backend landlock               available", "ok   Landlock                       ABI ")
	}
	for _, want := range wants {
		if !strings.Contains(string(out), want) {
			t.Errorf("sbx doctor lacks %q:\n%s", want, out)
		}
	}
}

// TestJSONStats: --json prints the run statistics of the Result, and
// leaves out those the run has no evidence for. A shell that starts two
// processes and waits for them: 3 processes created, 3 alive at once (the
// cgroup of the --pids limit counts them), the shell's waits voluntary
// switches; sbx does not copy the command's output, so no byte counts.
func TestJSONStats(t *testing.T) {
	bin := sbxBinary(t)
	cmd := exec.Command(bin, "--pids", "16", "--json", "--", "sh", "-c", "sleep 0.2 & sleep 0.2 & wait")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stderr.String()), &got); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	t.Log(stderr.String())
	num := func(k string) float64 {
		v, ok := got[k].(float64)
		if !ok {
			t.Errorf("%s: %v, want a number", k, got[k])
		}
		return v
	}
	if num("processes") != 3 || num("processes_peak") != 3 {
		t.Errorf("processes %v, processes_peak %v; want 3 and 3", got["processes"], got["processes_peak"])
	}
	if num("csw_voluntary") < 2 || num("csw_forced") < 0 || num("disk_read") < 0 || num("disk_written") < 0 || num("memory_peak") <= 0 {
		t.Errorf("switches, disk bytes, memory peak: %v", got)
	}
	for _, k := range []string{"stdout_bytes", "stderr_bytes"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s printed for output sbx does not copy: %v", k, got[k])
		}
	}
	if v, ok := got["max_rss"]; ok && v.(float64) <= 0 {
		t.Errorf("max_rss %v, want left out or a size", v)
	}

	// No limit, so no cgroup: no peak of processes, and no memory peak
	// (true's peak RSS is below sbx's own, which Linux counts in true's
	// across execve: no evidence of true's).
	cmd = exec.Command(bin, "--json", "--", "true")
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	got = nil
	if err := json.Unmarshal([]byte(stderr.String()), &got); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	t.Log(stderr.String())
	if num("processes") != 1 {
		t.Errorf("true: processes %v, want 1", got["processes"])
	}
	for _, k := range []string{"processes_peak", "memory_peak", "max_rss"} {
		if _, ok := got[k]; ok {
			t.Errorf("true without a cgroup: %s printed: %v", k, got[k])
		}
	}
}
