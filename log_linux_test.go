package sandbox

import (
	"os/exec"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRunLogged: a finished run is one info line with its verdict and
// figures, naming the backend unless Native.
func TestRunLogged(t *testing.T) {
	requireRoot(t)
	for _, tt := range []struct {
		b       Backend
		backend string
	}{{Native, ""}, {GVisor, "gvisor"}} {
		t.Run(tt.b.String(), func(t *testing.T) {
			requireBackend(t, tt.b)
			core, logs := observer.New(zapcore.InfoLevel)
			res, err := New().Backend(tt.b).Logger(zap.New(core)).Run(exec.Command("sh", "-c", "exit 3"))
			if err != nil {
				t.Fatal(err)
			}
			lines := logs.FilterMessage("sandbox run finished").All()
			if len(lines) != 1 {
				t.Fatalf("%d lines logged for the run, want 1: %v", len(lines), logs.All())
			}
			f := lines[0].ContextMap()
			want := map[string]any{"command": "sh", "status": res.Status.String(), "exit code": int64(3),
				"signal": int64(0), "cpu": res.CPUTime, "wall": res.WallTime, "memory peak": res.MemoryPeak}
			if tt.backend != "" {
				want["backend"] = tt.backend
			}
			if len(f) != len(want) {
				t.Errorf("fields %v, want %v", f, want)
			}
			for k, v := range want {
				if f[k] != v {
					t.Errorf("%s = %v (%T), want %v (%T)", k, f[k], f[k], v, v)
				}
			}
			if lines[0].Context[0].Key != map[bool]string{true: "backend", false: "command"}[tt.backend != ""] {
				t.Errorf("first field %q", lines[0].Context[0].Key)
			}
		})
	}
}
