//go:build !linux

package sandbox

import (
	"errors"
	"os/exec"
	"testing"
)

// Off Linux every run fails before any side effect: with the builder's
// errors when there are some, else with the backend's *UnavailableError,
// which wraps ErrNotSupported.
func TestRunNotSupported(t *testing.T) {
	for _, b := range []Backend{Native, Landlock, GVisor} {
		_, err := New().Backend(b).Run(exec.Command("true"))
		var ue *UnavailableError
		if !errors.Is(err, ErrNotSupported) || !errors.As(err, &ue) || ue.Backend != b {
			t.Errorf("%v: Run = %v, want an *UnavailableError for it wrapping ErrNotSupported", b, err)
		}
		if err := b.Available(); !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v: Available = %v, want ErrNotSupported", b, err)
		}
	}
	var ce *ConfigError
	if _, err := New().MemoryLimit(-1).Run(exec.Command("true")); !errors.As(err, &ce) {
		t.Errorf("Run with a bad limit = %v, want the *ConfigError", err)
	}
}
