package sandbox

import (
	"errors"
	"testing"
)

func TestBackendNames(t *testing.T) {
	for b, want := range map[Backend]string{Native: "native", Landlock: "landlock", GVisor: "gvisor", Backend(9): "Backend(9)"} {
		if got := b.String(); got != want {
			t.Errorf("Backend(%d).String() = %q, want %q", int(b), got, want)
		}
		if b > GVisor {
			continue
		}
		if got, ok := ParseBackend(want); !ok || got != b {
			t.Errorf("ParseBackend(%q) = %v, %v", want, got, ok)
		}
	}
	if _, ok := ParseBackend("docker"); ok {
		t.Error(`ParseBackend("docker") succeeded`)
	}
}

func TestUnavailableError(t *testing.T) {
	cause := errors.New("exec: \"runsc\": executable file not found in $PATH")
	err := error(&UnavailableError{Backend: GVisor, Missing: "runsc on PATH", Fix: "apt-get install runsc", Err: cause})
	if !errors.Is(err, ErrBackendUnavailable) || !errors.Is(err, cause) {
		t.Errorf("%v: does not wrap ErrBackendUnavailable and its cause", err)
	}
	const want = `sandbox: backend gvisor unavailable: runsc on PATH (exec: "runsc": executable file not found in $PATH); apt-get install runsc`
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err.Error(), want)
	}
	var ue *UnavailableError
	if err := Backend(-1).Available(); !errors.As(err, &ue) {
		t.Errorf("Backend(-1).Available() = %v, want an *UnavailableError", err)
	}
}
