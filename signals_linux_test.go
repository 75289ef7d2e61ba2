package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// TestCommandSignals: the command starts with every signal at its default
// action and none blocked, whatever the embedding process did with its
// own: Go's handlers (signal.Notify, and the runtime's own on every
// signal) and signals it ignores (signal.Ignore, which outlives execve),
// whether init shares the embedding process's memory and vforks the
// command (the default as root) or forks it (RunAs(0, 0)).
func TestCommandSignals(t *testing.T) {
	requireRoot(t)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1) // starts os/signal's goroutine, for good
	checkLeaks(t)
	defer signal.Reset(syscall.SIGUSR1)
	ignore(t, syscall.SIGPIPE, syscall.SIGUSR2, syscall.SIGXFSZ)
	if !signal.Ignored(syscall.SIGPIPE) {
		t.Fatal("signal.Ignore did not take")
	}
	for _, tt := range []struct {
		name string
		sb   *Sandbox
	}{{"vforked", New()}, {"forked", New().RunAs(0, 0)}} {
		res, out := run(t, tt.sb, "cat", "/proc/self/status")
		tt.sb.Close()
		if res.Status != OK {
			t.Fatalf("%+v %s", res, out)
		}
		for _, field := range []string{"SigBlk", "SigIgn", "SigCgt"} {
			if !regexp.MustCompile(`(?m)^` + field + `:\s+0+$`).MatchString(out) {
				t.Errorf("%s: %s not empty:\n%s", tt.name, field, out)
			}
		}
	}
	// A vforked command runs with its init's handlers until its execve:
	// where init could be started with them reset, it must have none, or
	// a signal before the command's execve would run a Go handler on the
	// embedding process's memory.
	if child.ClearSighandSupported() {
		sb := New()
		defer sb.Close()
		p, err := sb.Start(exec.Command("sleep", "60"))
		if err != nil {
			t.Fatal(err)
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
		p.Kill()
		p.Wait()
		if err != nil || !regexp.MustCompile(`(?m)^SigCgt:\s+0+$`).Match(status) {
			t.Errorf("init has handlers: %v\n%s", err, status)
		}
	}
}

// TestPlanSignals: which signals a command resets itself. A vforked one
// whose init could not be started with the handlers reset resets every
// signal (its init has the Go runtime's); otherwise only the ignored ones
// are left (runtime_AfterForkInChild or clone3 reset the handled ones).
// A vforked one also unblocks every signal, a forked one only init's.
func TestPlanSignals(t *testing.T) {
	ignore(t, syscall.SIGUSR2)
	ignored := 0 // SIGUSR2, and what the test process ignores besides (nohup's SIGHUP)
	for sig := 1; sig <= 64; sig++ {
		if signal.Ignored(syscall.Signal(sig)) {
			ignored++
		}
	}
	for _, tt := range []struct {
		vm, clear     bool
		resets, masks int
	}{{true, false, 62, 1}, {true, true, ignored, 1}, {false, false, ignored, 0}, {false, true, ignored, 0}} {
		s := specFor(t, New(), defaultNamespaces, tt.vm, false)
		s.clearSighand = tt.clear
		rp := planRun(s)
		resets, masks := 0, 0
		for _, op := range rp.plan.Cmd.Ops {
			switch op.Nr {
			case unix.SYS_RT_SIGACTION:
				resets++
				if tt.resets == ignored && !signal.Ignored(syscall.Signal(op.Args[0])) {
					t.Errorf("vm %v, clear %v: resets signal %d", tt.vm, tt.clear, op.Args[0])
				}
			case unix.SYS_RT_SIGPROCMASK:
				masks++
			}
		}
		if resets != tt.resets || masks != tt.masks || rp.plan.ClearSighand != (tt.vm && tt.clear) {
			t.Errorf("vm %v, clear %v: %d resets, %d masks, ClearSighand %v; want %d, %d", tt.vm, tt.clear, resets, masks, rp.plan.ClearSighand, tt.resets, tt.masks)
		}
	}
}

// ignore ignores sigs until the test ends. signal.Reset alone would leave
// them ignored: it undoes Notify, not Ignore. sigs must be signals the
// test process does not ignore already.
func ignore(t *testing.T, sigs ...os.Signal) {
	for _, s := range sigs {
		if signal.Ignored(s) {
			t.Fatalf("%v is ignored already", s)
		}
	}
	signal.Ignore(sigs...)
	t.Cleanup(func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, sigs...)
		signal.Reset(sigs...)
		for _, s := range sigs {
			if signal.Ignored(s) {
				t.Errorf("%v still ignored", s)
			}
		}
	})
}

// anyIgnored says whether the test process ignores any signal.
func anyIgnored() bool {
	for sig := 1; sig <= 64; sig++ {
		if signal.Ignored(syscall.Signal(sig)) {
			return true
		}
	}
	return false
}
