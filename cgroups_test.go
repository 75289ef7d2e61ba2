package sandbox

import (
	"math"
	"testing"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// TestLimitBoundsAgree: a limit the builder accepts is one the cgroup
// backend accepts, and the other way round (one validator, not two).
func TestLimitBoundsAgree(t *testing.T) {
	ints := []int64{math.MinInt64, -1, 1, 4096, cgroup.MinMemory - 1, cgroup.MinMemory, 64 << 20, cgroup.MaxPids, cgroup.MaxPids + 1,
		math.MaxInt32, cgroup.MaxMemory, cgroup.MaxMemory + 1, math.MaxInt64}
	for _, v := range ints {
		if builder, backend := New().MemoryLimit(v).errs == nil, (cgroup.Limits{Memory: v}).Validate() == nil; builder != backend {
			t.Errorf("memory %d: builder accepts %v, backend %v", v, builder, backend)
		}
		if builder, backend := New().PidsLimit(v).errs == nil, (cgroup.Limits{Pids: v}).Validate() == nil; builder != backend {
			t.Errorf("pids %d: builder accepts %v, backend %v", v, builder, backend)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(-1), -1, 0.001, 0.0099, cgroup.MinCPUQuota, 0.5, 2, cgroup.MaxCPUQuota, cgroup.MaxCPUQuota + 1, math.Inf(1)} {
		if builder, backend := New().CPUQuota(v).errs == nil, (cgroup.Limits{CPUQuota: v}).Validate() == nil; builder != backend {
			t.Errorf("CPU quota %v: builder accepts %v, backend %v", v, builder, backend)
		}
	}
}
