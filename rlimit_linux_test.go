package sandbox

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestRlimitRefused(t *testing.T) {
	for _, tt := range []struct {
		resource int
		cur, max uint64
		ok       bool
	}{
		{unix.RLIMIT_STACK, unix.RLIM_INFINITY, unix.RLIM_INFINITY, true},
		{unix.RLIMIT_NOFILE, 64, 128, true},
		{unix.RLIMIT_AS, 1 << 30, 1 << 30, true},
		{unix.RLIMIT_NOFILE, 128, 64, false}, // soft above hard
		{unix.RLIMIT_CPU, 1, 1, false},       // CPUTimeLimit's
		{unix.RLIMIT_FSIZE, 1, 1, false},     // OutputLimit's
		{unix.RLIMIT_NPROC, 1, 1, false},     // PidsLimit's
		{unix.RLIMIT_CORE, 1 << 20, 1 << 20, false},
		{-1, 0, 0, false},
		{rlimNLimits, 0, 0, false},
	} {
		sb := New().Rlimit(tt.resource, tt.cur, tt.max)
		var ce *ConfigError
		if got := len(sb.errs) == 0; got != tt.ok || (!tt.ok && (!errors.As(sb.errs[0], &ce) || ce.Method != "Rlimit")) {
			t.Errorf("Rlimit(%s, %d, %d): errors %v, want ok %v", rlimitName(tt.resource), tt.cur, tt.max, sb.errs, tt.ok)
		}
	}
	// A later call replaces an earlier one; Clone keeps them apart.
	base := New().Rlimit(unix.RLIMIT_STACK, 1<<20, 1<<20)
	c := base.Clone().Rlimit(unix.RLIMIT_STACK, 1<<24, 1<<24)
	if len(c.cfg.rlimits) != 1 || c.cfg.rlimits[0].cur != 1<<24 || base.cfg.rlimits[0].cur != 1<<20 {
		t.Errorf("base %v, clone %v", base.cfg.rlimits, c.cfg.rlimits)
	}
}

// TestRlimit: the command runs with the caller's limits, over the
// defaults; one the kernel refuses fails the run naming it.
func TestRlimit(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := New().Rlimit(unix.RLIMIT_STACK, unix.RLIM_INFINITY, unix.RLIM_INFINITY).Rlimit(unix.RLIMIT_NOFILE, 64, 64)
	res, out := run(t, sb, "sh", "-c", "ulimit -s; ulimit -n; ulimit -Hn")
	if res.Status != OK || out != "unlimited\n64\n64\n" {
		t.Errorf("%+v %q, want stack unlimited and 64 descriptors", res, out)
	}
	// Above fs.nr_open (at most 2^30): the kernel refuses it.
	_, _, err := runErr(context.Background(), New().Rlimit(unix.RLIMIT_NOFILE, 1<<40, 1<<40), "true")
	var se *SetupError
	if !errors.As(err, &se) || se.Stage != "rlimit" || se.Index != -1 || se.Path != "" || !strings.Contains(err.Error(), "RLIMIT_NOFILE 1099511627776 1099511627776") {
		t.Errorf("err = %v, want a *SetupError at rlimit naming RLIMIT_NOFILE and its values", err)
	}
}
