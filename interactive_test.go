package sandbox

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// Bad arguments to Interact are *ConfigErrors, returned before anything
// starts (so these need no root).
func TestInteractConfigErrors(t *testing.T) {
	ok := func() *exec.Cmd { return exec.Command("/bin/true") }
	withStdin := ok()
	withStdin.Stdin = os.Stdin
	withStdout := ok()
	withStdout.Stdout = os.Stdout
	same := ok()
	for _, c := range []struct {
		name        string
		s, ps       *Sandbox
		cmd, peer   *exec.Cmd
		wantMethods []string
	}{
		{"nil sandbox", nil, New(), ok(), ok(), []string{"Interact"}},
		{"nil peer sandbox", New(), nil, ok(), ok(), []string{"Interact"}},
		{"nil cmd", New(), New(), nil, ok(), []string{"Interact"}},
		{"same cmd", New(), New(), same, same, []string{"Interact"}},
		{"stdin given", New(), New(), withStdin, ok(), []string{"Interact"}},
		{"stdout given", New(), New(), ok(), withStdout, []string{"Interact"}},
		{"both sandboxes' errors", New().MemoryLimit(-1), New().WallTimeLimit(0), ok(), ok(), []string{"MemoryLimit", "WallTimeLimit"}},
	} {
		in, err := Interact(context.Background(), c.s, c.cmd, c.ps, c.peer)
		if in != nil {
			t.Errorf("%s: got an Interaction", c.name)
		}
		for _, m := range c.wantMethods {
			if !hasConfigError(err, m) {
				t.Errorf("%s: error %v, want a *ConfigError from %s", c.name, err, m)
			}
		}
	}
}

// hasConfigError reports whether err is, or joins, a *ConfigError of
// method.
func hasConfigError(err error, method string) bool {
	switch e := err.(type) {
	case *ConfigError:
		return e.Method == method
	case interface{ Unwrap() []error }:
		for _, e := range e.Unwrap() {
			if hasConfigError(e, method) {
				return true
			}
		}
	}
	return false
}
