package sandbox

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/sandboxkit/sandbox/internal/seccompgen"
	"github.com/sandboxkit/sandbox/seccomp"
)

// TestDefaultProgramFresh: the default program embedded at build time is
// what seccomp.Default() compiles to now, for every architecture it is
// generated for, so that a change to the profile or to the compiler can
// never leave a stale filter in the runs.
func TestDefaultProgramFresh(t *testing.T) {
	for _, arch := range seccompgen.Arches {
		want, err := seccompgen.File(arch)
		if err != nil {
			t.Fatal(err)
		}
		name := seccompgen.FileName(arch)
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale (%v): run `go generate .` in the module's root", name, err)
		}
	}
	// And the file this build compiled in is the one runs install.
	fresh, err := seccomp.Default().Compile()
	if err != nil {
		t.Fatal(err)
	}
	got, err := defaultProgram()
	if err != nil || !slices.Equal(got, fresh.Instructions()) {
		t.Errorf("defaultProgram() differs from seccomp.Default().Compile() (%v): run `go generate .`", err)
	}
	if n := testing.AllocsPerRun(10, func() { defaultProgram() }); defaultFilter != nil && n != 0 {
		t.Errorf("defaultProgram allocates %v times a call; the embedded program should cost nothing", n)
	}
}
