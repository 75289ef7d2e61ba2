//go:build linux

package main

import (
	"syscall"
	"testing"

	"github.com/sandboxkit/sandbox"
)

func TestVerdict(t *testing.T) {
	want := []byte("6\n")
	for _, c := range []struct {
		res    sandbox.Result
		got    string
		v      Verdict
		detail string
	}{
		{sandbox.Result{Status: sandbox.OK}, " 6 \r\n\n", AC, ""},
		{sandbox.Result{Status: sandbox.OK}, "7\n", WA, ""},
		{sandbox.Result{Status: sandbox.OK}, "6 6\n", WA, ""},
		{sandbox.Result{Status: sandbox.MemoryLimitExceeded}, "6\n", MLE, ""},
		{sandbox.Result{Status: sandbox.CPUTimeLimitExceeded}, "", TLE, "cpu"},
		{sandbox.Result{Status: sandbox.WallTimeLimitExceeded}, "", TLE, "wall"},
		{sandbox.Result{Status: sandbox.OutputLimitExceeded}, "6\n", OLE, ""},
		{sandbox.Result{Status: sandbox.Signaled, Signal: syscall.SIGSEGV}, "", RE, "SIGSEGV"},
		{sandbox.Result{Status: sandbox.NonZeroExit, ExitCode: 2}, "6\n", RE, "exit 2"},
		{sandbox.Result{Status: sandbox.Killed}, "", IE, "Killed"},
	} {
		v, d := verdict(&c.res, []byte(c.got), want)
		if v != c.v || d != c.detail {
			t.Errorf("%v with %q: %s(%s), want %s(%s)", c.res.Status, c.got, v, d, c.v, c.detail)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"256MiB": 256 << 20, "64M": 64 << 20, "1G": 1 << 30, "512kb": 512 << 10, "1048576": 1 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1M", "12X", "1.5G"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}
