package sandbox

import (
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// FuzzBuilderRun runs what FuzzBuilder accepts: the run either happens
// (a Result) or fails with a typed error — never a panic, a hang, or
// something left behind.
func FuzzBuilderRun(f *testing.F) {
	testutil.RequireRoot(f)
	f.Add([]byte{4, 6}, "fuzzhost", int64(1<<30))
	f.Add([]byte{1}, "/usr/share", int64(1))
	f.Add([]byte{7, 8, 10}, "/x", int64(64<<20))
	f.Add([]byte{0}, "/nonexistent", int64(0))
	f.Fuzz(func(t *testing.T, ops []byte, s string, n int64) {
		// Bound the run whatever the fuzzer chose.
		sb := buildFuzzed(ops, s, n).WallTimeLimit(2 * time.Second)
		res, err := sb.Run(exec.Command("true"))
		if err == nil {
			if res == nil {
				t.Fatal("nil Result without an error")
			}
			return
		}
		var ce *ConfigError
		var se *SetupError
		if !errors.As(err, &ce) && !errors.As(err, &se) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		sb.Close()
	})
}
