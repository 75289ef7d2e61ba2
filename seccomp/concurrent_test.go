package seccomp

import (
	"reflect"
	"sync"
	"testing"
)

// TestCompileConcurrently: one policy compiled from many goroutines (run
// with -race) gives the same program every time and is left unchanged.
func TestCompileConcurrently(t *testing.T) {
	pol := Default()
	want, err := pol.CompileFor(AMD64)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	progs := make([]*Program, 16)
	for i := range progs {
		wg.Go(func() {
			arch := AMD64
			if i%2 == 1 {
				arch = ARM64
			}
			p, err := pol.CompileFor(arch)
			if err != nil {
				t.Error(err)
				return
			}
			progs[i] = p
		})
	}
	wg.Wait()
	for i := 0; i < len(progs); i += 2 {
		if progs[i] == nil || !reflect.DeepEqual(progs[i].BPF(), want.BPF()) {
			t.Fatalf("compile %d differs", i)
		}
	}
	if !reflect.DeepEqual(pol, Default()) {
		t.Fatal("compiling changed the policy")
	}
}
