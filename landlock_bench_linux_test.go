package sandbox

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// benchLandlock runs the static true in sb with the Landlock backend,
// its directory bound in place. It needs no root: as root the command
// runs as 65534 and limits use cgroups, unprivileged it runs as the
// caller and limits are polled.
func benchLandlock(b *testing.B, sb *Sandbox) {
	dir := staticTrue(b)
	sb = sb.Backend(Landlock).Bind(dir, dir)
	bin := filepath.Join(dir, "true")
	b.ReportAllocs()
	for b.Loop() {
		res, err := sb.Run(exec.Command(bin))
		if err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

// BenchmarkRunLandlock: the Landlock backend's per-run cost, beside
// BenchmarkRun (Native) and BenchmarkExec.
func BenchmarkRunLandlock(b *testing.B) { benchLandlock(b, New()) }

// BenchmarkRunLandlockLimits: with memory, pids and CPU-time limits.
func BenchmarkRunLandlockLimits(b *testing.B) {
	benchLandlock(b, New().MemoryLimit(256<<20).PidsLimit(64).CPUTimeLimit(1e9))
}

// BenchmarkInterleavedLandlock alternates a plain exec, a New() run and a
// Landlock run of the same static true, and reports the medians and their
// ratios, so that the machine's noise hits all three alike. (Native needs
// root.)
func BenchmarkInterleavedLandlock(b *testing.B) {
	requireRoot(b)
	dir := staticTrue(b)
	bin := filepath.Join(dir, "true")
	native := New().Bind(dir, "/bench")
	defer native.Close()
	ll := New().Backend(Landlock).Bind(dir, dir)
	var ex, nx, lx []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := exec.Command(bin).Run(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if res, err := native.Run(exec.Command("/bench/true")); err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
		t2 := time.Now()
		if res, err := ll.Run(exec.Command(bin)); err != nil || res.Status != OK {
			b.Fatalf("%+v %v", res, err)
		}
		ex, nx, lx = append(ex, t1.Sub(t0)), append(nx, t2.Sub(t1)), append(lx, time.Since(t2))
	}
	med := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2]) / 1e6
	}
	e, n, l := med(ex), med(nx), med(lx)
	b.ReportMetric(e, "exec-p50-ms")
	b.ReportMetric(n, "native-p50-ms")
	b.ReportMetric(l, "landlock-p50-ms")
	b.ReportMetric(l/e, "landlock/exec")
	b.ReportMetric(l/n, "landlock/native")
}

// BenchmarkLandlockPrepare: the parent's per-run work of the Landlock
// backend (open the rules' directories, make and remove TMPDIR).
func BenchmarkLandlockPrepare(b *testing.B) {
	cfg := New().Backend(Landlock).cfg
	cmd := &command{env: []string{"PATH=/usr/bin"}}
	b.ReportAllocs()
	for b.Loop() {
		ll, err := prepareLandlock(&cfg, cmd)
		if err != nil {
			b.Fatal(err)
		}
		ll.release()
	}
}
