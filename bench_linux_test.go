package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	staticTrueOnce sync.Once
	staticTrueDir  string
)

// staticTrue returns the directory of a static `true` (the benchmarks'
// trivial program), or "" with the reason when it cannot be built.
func staticTrue(b testing.TB) string {
	staticTrueOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sandbox-true-")
		if err != nil {
			return
		}
		os.Chmod(dir, 0o755)
		src := filepath.Join(dir, "true.c")
		os.WriteFile(src, []byte("int main(void){return 0;}\n"), 0o644)
		if out, err := exec.Command("gcc", "-static", "-O2", "-o", filepath.Join(dir, "true"), src).CombinedOutput(); err != nil {
			b.Logf("gcc -static: %v %s", err, out)
			return
		}
		staticTrueDir = dir
	})
	if staticTrueDir == "" {
		b.Fatal("cannot build a static true (needs gcc and libc6-dev)")
	}
	return staticTrueDir
}

// BenchmarkExec is the baseline: a plain os/exec run of the static true.
func BenchmarkExec(b *testing.B) {
	bin := filepath.Join(staticTrue(b), "true")
	b.ReportAllocs()
	for b.Loop() {
		if err := exec.Command(bin).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSandbox(b *testing.B, sb *Sandbox) {
	requireRoot(b)
	dir := staticTrue(b)
	sb = sb.Bind(dir, "/bench")
	b.ReportAllocs()
	for b.Loop() {
		res, err := sb.Run(exec.Command("/bench/true"))
		if err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

// BenchmarkRun: New() with its defaults.
func BenchmarkRun(b *testing.B) { benchSandbox(b, New()) }

// BenchmarkRunLimits: defaults plus memory, pids and CPU-time limits.
func BenchmarkRunLimits(b *testing.B) {
	benchSandbox(b, New().MemoryLimit(256<<20).PidsLimit(64).CPUTimeLimit(1e9))
}

// BenchmarkRunParallel: concurrent callers of one Sandbox.
func BenchmarkRunParallel(b *testing.B) {
	requireRoot(b)
	dir := staticTrue(b)
	sb := New().Bind(dir, "/bench")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := sb.Run(exec.Command("/bench/true"))
			if err != nil || res.Status != OK {
				b.Errorf("%+v %v", res, err)
				return
			}
		}
	})
}
