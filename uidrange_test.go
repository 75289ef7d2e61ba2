package sandbox

import (
	"errors"
	"os/exec"
	"testing"
)

// TestUIDRangeErrors: a range that is empty, out of uid_t's usable values,
// or that holds nobody is a *ConfigError naming UIDRange.
func TestUIDRangeErrors(t *testing.T) {
	for _, c := range []struct{ first, count int }{
		{DefaultUIDFirst, 0}, {DefaultUIDFirst, -1}, {0, 10}, {-5, 10}, {1 << 31, 1},
		{1<<31 - 10, 100}, {65000, 1000}, {65535, 1}, {65534, 1},
	} {
		_, err := New().UIDRange(c.first, c.count).Run(exec.Command("true"))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Method != "UIDRange" {
			t.Errorf("UIDRange(%d, %d): %v, want a ConfigError", c.first, c.count, err)
		}
	}
	for _, c := range []struct{ first, count int }{{1000, 100}, {65536, 1}, {1<<31 - 2, 1}, {60000, 5534}} {
		if errs := New().UIDRange(c.first, c.count).errs; len(errs) != 0 {
			t.Errorf("UIDRange(%d, %d): %v", c.first, c.count, errs)
		}
	}
}
