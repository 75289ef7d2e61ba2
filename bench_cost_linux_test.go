package sandbox

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkRunCost shows what each default of New() costs per run: every
// sub-benchmark alternates a run with the defaults and one without that
// default, so that the machine's noise hits both alike, and reports both
// medians, their difference (cost-ms) and the difference's share of the
// default run. The variants are measurements, not configurations to use:
//
//	go test -run '^$' -bench 'BenchmarkRunCost' -benchtime 200x .
func BenchmarkRunCost(b *testing.B) {
	requireRoot(b)
	dir := staticTrue(b)
	without := []struct {
		name string
		sb   func() *Sandbox
	}{
		{"seccomp", func() *Sandbox { return New().Seccomp(nil) }},
		{"mount-ns", func() *Sandbox { return New().Namespaces(defaultNamespaces &^ Mount) }},
		{"net-ns", func() *Sandbox { return New().Namespaces(defaultNamespaces &^ Net) }},
		{"pid-ns", func() *Sandbox { return New().Namespaces(defaultNamespaces &^ PID) }},
		{"ipc-ns", func() *Sandbox { return New().Namespaces(defaultNamespaces &^ IPC) }},
		{"uts-ns", func() *Sandbox { return New().Namespaces(defaultNamespaces &^ UTS) }},
		{"cgroup-ns", func() *Sandbox { return New().Namespaces(defaultNamespaces &^ Cgroup) }},
		// Not a default, the way a root is made: a copy of the template
		// against an assembly in every run.
		{"root-template", func() *Sandbox { sb := New(); sb.cfg.perRunRoot = true; return sb }},
	}
	for _, w := range without {
		b.Run("without-"+w.name, func(b *testing.B) {
			base := New().Bind(dir, "/bench")
			defer base.Close()
			other, bin := w.sb(), "/bench/true"
			if w.name == "mount-ns" {
				bin = filepath.Join(dir, "true") // the host's root: nothing to bind
			} else {
				other.Bind(dir, "/bench")
			}
			defer other.Close()
			run := func(sb *Sandbox, bin string) time.Duration {
				t0 := time.Now()
				if res, err := sb.Run(exec.Command(bin)); err != nil || res.Status != OK {
					b.Fatalf("%+v %v", res, err)
				}
				return time.Since(t0)
			}
			var with, wo []time.Duration
			for b.Loop() {
				with = append(with, run(base, "/bench/true"))
				wo = append(wo, run(other, bin))
			}
			slices.Sort(with)
			slices.Sort(wo)
			p50 := func(d []time.Duration) float64 { return float64(d[len(d)/2]) / 1e6 }
			b.ReportMetric(p50(with), "with-p50-ms")
			b.ReportMetric(p50(wo), "without-p50-ms")
			b.ReportMetric(p50(with)-p50(wo), "cost-ms")
			b.ReportMetric((p50(with)-p50(wo))/p50(with), "share")
		})
	}
}
