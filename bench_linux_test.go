package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

var (
	staticTrueOnce sync.Once
	staticTrueDir  string
)

// staticTrue returns the directory of a static `true` (the benchmarks'
// trivial program), or "" with the reason when it cannot be built.
func staticTrue(b testing.TB) string {
	staticTrueOnce.Do(func() {
		dir, err := mkdirTemp("sandbox-true-")
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
	defer sb.Close()
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

// BenchmarkRunFreshNetwork: defaults, but a new network namespace per run
// (the network namespace pool off): the pool's gain is the difference.
func BenchmarkRunFreshNetwork(b *testing.B) { benchSandbox(b, New().FreshNetwork()) }

// BenchmarkRunLimits: defaults plus memory, pids and CPU-time limits.
func BenchmarkRunLimits(b *testing.B) {
	benchSandbox(b, New().MemoryLimit(256<<20).PidsLimit(64).CPUTimeLimit(1e9))
}

// BenchmarkExecFileStdout and BenchmarkRunFileStdout: the static true with
// a regular file as Stdout, which the sandbox hands in as a pipe it
// splices into the file.
func BenchmarkExecFileStdout(b *testing.B) {
	bin := filepath.Join(staticTrue(b), "true")
	f := benchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		cmd := exec.Command(bin)
		cmd.Stdout = f
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunFileStdout(b *testing.B) {
	requireRoot(b)
	sb := New().Bind(staticTrue(b), "/bench")
	defer sb.Close()
	f := benchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		cmd := exec.Command("/bench/true")
		cmd.Stdout = f
		if res, err := sb.Run(cmd); err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

// BenchmarkExecFileStdout16M and BenchmarkRunFileStdout16M: 16 MiB written
// in 1 MiB writes to a regular file Stdout (MB/s), directly and through
// the sandbox's pipe and splice.
func BenchmarkExecFileStdout16M(b *testing.B) {
	f := benchFile(b)
	b.SetBytes(16 << 20)
	for b.Loop() {
		f.Truncate(0)
		f.Seek(0, 0)
		cmd := exec.Command("dd", "if=/dev/zero", "bs=1M", "count=16", "status=none")
		cmd.Stdout = f
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunFileStdout16M(b *testing.B) {
	requireRoot(b)
	sb := New()
	defer sb.Close()
	f := benchFile(b)
	b.SetBytes(16 << 20)
	for b.Loop() {
		f.Truncate(0)
		f.Seek(0, 0)
		cmd := exec.Command("dd", "if=/dev/zero", "bs=1M", "count=16", "status=none")
		cmd.Stdout = f
		if res, err := sb.Run(cmd); err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
	}
	if fi, _ := f.Stat(); fi.Size() != 16<<20 {
		b.Fatalf("file has %d bytes", fi.Size())
	}
}

func benchFile(b *testing.B) *os.File {
	f, err := os.Create(filepath.Join(b.TempDir(), "out"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkRunGVisor: the same run under the GVisor backend (runsc), for
// the ratio to BenchmarkRun.
func BenchmarkRunGVisor(b *testing.B) {
	requireBackend(b, GVisor)
	benchSandbox(b, New().Backend(GVisor))
}

// BenchmarkRunParallel: concurrent callers of one Sandbox.
func BenchmarkRunParallel(b *testing.B) { benchParallel(b, New()) }

// BenchmarkRunParallelLimits: concurrent callers, with limits.
func BenchmarkRunParallelLimits(b *testing.B) {
	benchParallel(b, New().MemoryLimit(256<<20).PidsLimit(64).CPUTimeLimit(1e9))
}

func benchParallel(b *testing.B, sb *Sandbox) {
	requireRoot(b)
	dir := staticTrue(b)
	sb = sb.Bind(dir, "/bench")
	defer sb.Close()
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

// BenchmarkInterleaved alternates a plain exec and a New() run of the same
// static true and reports both medians and p99s and their ratios, so that
// the machine's noise hits both alike.
func BenchmarkInterleaved(b *testing.B) {
	requireRoot(b)
	dir := staticTrue(b)
	bin := filepath.Join(dir, "true")
	sb := New().Bind(dir, "/bench")
	defer sb.Close()
	var ex, sx []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := exec.Command(bin).Run(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if res, err := sb.Run(exec.Command("/bench/true")); err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
		ex, sx = append(ex, t1.Sub(t0)), append(sx, time.Since(t1))
	}
	slices.Sort(ex)
	slices.Sort(sx)
	q := func(d []time.Duration, p int) float64 { return float64(d[len(d)*p/100]) / 1e6 }
	b.ReportMetric(q(ex, 50), "exec-p50-ms")
	b.ReportMetric(q(sx, 50), "sandbox-p50-ms")
	b.ReportMetric(q(sx, 50)/q(ex, 50), "p50-ratio")
	b.ReportMetric(q(sx, 99)/q(ex, 99), "p99-ratio")
}
