//go:build linux

package main

import (
	"syscall"
	"testing"

	"github.com/sandboxkit/sandbox"
)

// TestInteractiveVerdict: the precedence of interactiveVerdict, row by row.
func TestInteractiveVerdict(t *testing.T) {
	ok := sandbox.Result{Status: sandbox.OK}
	exit := func(code int) sandbox.Result { return sandbox.Result{Status: sandbox.NonZeroExit, ExitCode: code} }
	sig := func(s syscall.Signal) sandbox.Result { return sandbox.Result{Status: sandbox.Signaled, Signal: s} }
	st := func(s sandbox.Status) sandbox.Result { return sandbox.Result{Status: s} }
	for _, c := range []struct {
		sol, inter sandbox.Result
		peerFirst  bool
		v          Verdict
		detail     string
	}{
		{ok, ok, false, AC, ""},
		// The solution's limits first, whatever the interactor did.
		{st(sandbox.WallTimeLimitExceeded), st(sandbox.Killed), false, TLE, "wall"},
		{st(sandbox.CPUTimeLimitExceeded), exit(1), true, TLE, "cpu"},
		{st(sandbox.MemoryLimitExceeded), exit(1), true, MLE, ""},
		{st(sandbox.OutputLimitExceeded), ok, false, OLE, ""},
		// The interactor's wrong answer.
		{ok, exit(1), false, WA, "interactor exit 1"},
		{ok, exit(1), true, WA, "interactor exit 1"},
		{sig(syscall.SIGPIPE), exit(1), true, WA, "interactor exit 1"},
		{exit(1), exit(2), true, WA, "interactor exit 2"},
		{ok, sig(syscall.SIGPIPE), false, WA, "solution quit"},
		// A solution that crashed first is RE, though the interactor
		// then failed too.
		{sig(syscall.SIGSEGV), exit(1), false, RE, "SIGSEGV"},
		{exit(1), exit(1), false, RE, "exit 1"},
		{sig(syscall.SIGSEGV), sig(syscall.SIGPIPE), false, RE, "SIGSEGV"},
		{exit(1), ok, false, RE, "exit 1"},
		// An interactor that failed is IE, unless the solution crashed
		// before.
		{exit(1), sig(syscall.SIGSEGV), true, IE, "interactor SIGSEGV"},
		{st(sandbox.Killed), st(sandbox.CPUTimeLimitExceeded), true, IE, "interactor CPUTimeLimitExceeded"},
		{ok, st(sandbox.MemoryLimitExceeded), false, IE, "interactor MemoryLimitExceeded"},
		{st(sandbox.Killed), st(sandbox.Killed), false, IE, "interactor Killed"},
	} {
		in := &sandbox.Interaction{Result: &c.sol, PeerResult: &c.inter, PeerFirst: c.peerFirst}
		v, d := interactiveVerdict(in)
		if v != c.v || d != c.detail {
			t.Errorf("solution %v, interactor %v, interactor first %v: %s(%s), want %s(%s)",
				c.sol.Status, c.inter.Status, c.peerFirst, v, d, c.v, c.detail)
		}
	}
}
