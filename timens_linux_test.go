package sandbox

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// hostClocks reads this process's CLOCK_MONOTONIC and CLOCK_BOOTTIME.
func hostClocks(t *testing.T) [2]int64 {
	var c [2]int64
	for i, id := range []int32{unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME} {
		var ts unix.Timespec
		if err := unix.ClockGettime(id, &ts); err != nil {
			t.Fatal(err)
		}
		c[i] = ts.Nano()
	}
	return c
}

// TestTimeOffsets: inside the sandbox CLOCK_MONOTONIC and CLOCK_BOOTTIME
// read the host's plus the offsets, negative ones of a fraction of a
// second too (the kernel takes whole seconds rounded down and nanoseconds
// in [0, 1e9)).
func TestTimeOffsets(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	for _, off := range [][2]time.Duration{
		{-1500 * time.Millisecond, 2500 * time.Millisecond},
		{time.Hour + 250*time.Millisecond, -time.Second / 4},
		{-time.Second, -time.Nanosecond},
	} {
		before := hostClocks(t)
		res, out := run(t, probeSandbox(t).TimeOffsets(off[0], off[1]), "/probe/probe", "clocks")
		after := hostClocks(t)
		f := strings.Fields(out)
		if res.Status != OK || len(f) != 2 {
			t.Errorf("TimeOffsets(%v, %v): %+v %q", off[0], off[1], res, out)
			continue
		}
		for i, name := range []string{"CLOCK_MONOTONIC", "CLOCK_BOOTTIME"} {
			in, _ := strconv.ParseInt(f[i], 10, 64)
			if host := in - int64(off[i]); host < before[i] || host > after[i] {
				t.Errorf("TimeOffsets(%v, %v): %s inside %v, want the host's (%v to %v) %+v",
					off[0], off[1], name, time.Duration(in), time.Duration(before[i]), time.Duration(after[i]), off[i])
			}
		}
	}
	// An offset that would take the clock below zero: the kernel refuses
	// it, and the error names it.
	back := -time.Duration(hostClocks(t)[0]) - time.Hour
	res, _, err := runErr(t.Context(), probeSandbox(t).TimeOffsets(back, 0), "/probe/probe", "clocks")
	var se *SetupError
	if res != nil || !errors.As(err, &se) || !errors.Is(err, syscall.ERANGE) || !strings.Contains(err.Error(), back.String()) {
		t.Errorf("TimeOffsets(%v, 0): %+v, %v; want a *SetupError, ERANGE, naming the offset", back, res, err)
	}
}
