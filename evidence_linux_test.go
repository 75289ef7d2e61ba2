package sandbox

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStopEvidenceSignals: SIGXCPU is CPUTimeLimit's evidence only with a
// measured CPU time at the limit, and SIGXFSZ is never OutputLimit's: a
// command may raise either itself.
func TestStopEvidenceSignals(t *testing.T) {
	const limit = 2 * time.Second
	tests := []struct {
		name   string
		sig    unix.Signal
		cpu    time.Duration
		why    uint32
		want   Status
		output bool // under OutputLimit rather than CPUTimeLimit
	}{
		{"SIGXCPU with no CPU time", unix.SIGXCPU, 3 * time.Millisecond, 0, Signaled, false},
		{"SIGXCPU just below the limit", unix.SIGXCPU, limit - time.Nanosecond, 0, Signaled, false},
		{"SIGXCPU at the limit", unix.SIGXCPU, limit, 0, CPUTimeLimitExceeded, false},
		{"SIGXCPU past the backstop", unix.SIGXCPU, 3*limit/2 + time.Second, 0, CPUTimeLimitExceeded, false},
		{"SIGKILL alone (the cgroup's usage decides)", unix.SIGKILL, 4 * time.Second, 0, Signaled, false},
		{"our CPU poller stopped it", unix.SIGKILL, limit, stopCPU, CPUTimeLimitExceeded, false},
		{"SIGXFSZ alone", unix.SIGXFSZ, 0, 0, Signaled, true},
		{"SIGXFSZ after our counter stopped it", unix.SIGXFSZ, 0, stopOutput, OutputLimitExceeded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config{}
			if tt.output {
				cfg.limits.output = 1 << 20
			} else {
				cfg.limits.cpuTime = limit
			}
			p := &Process{cfg: cfg}
			res := &Result{CPUTime: tt.cpu}
			ev := evidence{exited: true, exitCode: -1, signal: int(tt.sig)}
			p.stopEvidence(res, &ev, tt.why)
			if got := classify(ev); got != tt.want {
				t.Errorf("%v with CPU time %v under %+v: %v, want %v", tt.sig, tt.cpu, cfg.limits, got, tt.want)
			}
		})
	}
}
