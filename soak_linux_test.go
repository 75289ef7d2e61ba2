package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// soakRuns is how many runs TestSoak makes: SANDBOX_SOAK, else 200 in the
// VM or under the race detector, 1,000 under CI and 300 otherwise. The
// full soak is SANDBOX_SOAK=10000.
func soakRuns() int {
	if n, err := strconv.Atoi(os.Getenv("SANDBOX_SOAK")); err == nil && n > 0 {
		return n
	}
	if os.Getenv("SANDBOX_VMTEST") != "" || raceDetector {
		return 200 // emulated CPU, or the race detector's cost
	}
	if os.Getenv("CI") == "true" {
		return 1000
	}
	return 300
}

// soakKind is one kind of run the soak mixes.
type soakKind struct {
	name string
	run  func(t *testing.T) error
}

func soakKinds(t *testing.T) []soakKind {
	dir := probe(t)
	pb := func() *Sandbox { return New().Bind(dir, "/probe") }
	want := func(st Status, res *Result, err error) error {
		if err != nil {
			return err
		}
		if res.Status != st {
			return fmt.Errorf("status %v, want %v", res.Status, st)
		}
		return nil
	}
	return []soakKind{
		{"exit", func(t *testing.T) error {
			res, _, err := runErr(context.Background(), pb(), "/probe/probe", "uid")
			return want(OK, res, err)
		}},
		{"memory", func(t *testing.T) error {
			res, _, err := runErr(context.Background(), pb().MemoryLimit(32<<20), "/probe/probe", "alloc", "64")
			return want(MemoryLimitExceeded, res, err)
		}},
		{"cpu", func(t *testing.T) error {
			res, _, err := runErr(context.Background(), pb().CPUTimeLimit(30*time.Millisecond), "/probe/probe", "spin", "5s")
			return want(CPUTimeLimitExceeded, res, err)
		}},
		{"wall", func(t *testing.T) error {
			res, _, err := runErr(context.Background(), pb().WallTimeLimit(30*time.Millisecond), "/probe/probe", "sleep", "5s")
			return want(WallTimeLimitExceeded, res, err)
		}},
		{"output", func(t *testing.T) error {
			res, _, err := runErr(context.Background(), pb().OutputLimit(10_000), "/probe/probe", "flood", "-")
			return want(OutputLimitExceeded, res, err)
		}},
		{"pids", func(t *testing.T) error {
			res, _, err := runErr(context.Background(), New().PidsLimit(8), "sh", "-c", "while :; do sleep 100 & done")
			return want(NonZeroExit, res, err)
		}},
		{"cancel", func(t *testing.T) error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			res, _, err := runErr(ctx, pb(), "/probe/probe", "sleep", "5s")
			if res == nil && errors.Is(err, context.DeadlineExceeded) {
				return nil // the deadline passed before the start (a loaded machine): nothing ran
			}
			if err == nil || res == nil || res.Status != Killed || !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("cancel: %+v %v", res, err)
			}
			return nil
		}},
		{"setup error", func(t *testing.T) error {
			_, _, err := runErr(context.Background(), New().Bind("/no/such/dir", "/x"), "true")
			if err == nil {
				return fmt.Errorf("missing bind source accepted")
			}
			return nil
		}},
	}
}

// TestSoak runs many sandboxes of every kind with 2–8 workers and checks,
// every 1,000 runs and at the end, that the process is back to where it
// started: descriptors, goroutines, heap, mounts, cgroups, children.
func TestSoak(t *testing.T) {
	requireRoot(t)
	total := soakRuns()
	kinds := soakKinds(t)
	base := snapshot()
	baseCgroups := len(cgroupDirs())
	lat := make([][]time.Duration, len(kinds))
	var latMu sync.Mutex
	var next atomic.Int64
	start := time.Now()
	for done := 0; done < total; {
		batch := min(1000, total-done)
		workers := 2 + (done/1000)%7 // 2..8
		next.Store(0)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= batch {
						return
					}
					k := (done + i) % len(kinds)
					s := time.Now()
					if err := kinds[k].run(t); err != nil {
						t.Errorf("run %d (%s): %v", done+i, kinds[k].name, err)
					}
					latMu.Lock()
					lat[k] = append(lat[k], time.Since(s))
					latMu.Unlock()
				}
			}()
		}
		wg.Wait()
		done += batch
		if t.Failed() {
			return
		}
		if err := base.settled(baseCgroups); err != nil {
			t.Fatalf("after %d runs: %v", done, err)
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d runs in %v: %.0f runs/s", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	for k, l := range lat {
		slices.Sort(l)
		t.Logf("%-12s n=%4d p50=%8v p99=%8v", kinds[k].name, len(l), l[len(l)/2].Round(time.Microsecond), l[len(l)*99/100].Round(time.Microsecond))
	}
}

// procState is what must come back to its baseline after runs.
type procState struct {
	fds, goroutines, mounts int
	heap                    uint64
}

func snapshot() procState {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return procState{fds: countFDs(), goroutines: runtime.NumGoroutine(), mounts: countMounts(), heap: ms.HeapAlloc}
}

// Slack allowed over the baseline: the runtime's own lazily made
// descriptors and goroutines, and heap noise.
const (
	fdSlack        = 2
	goroutineSlack = 2
	heapSlack      = 4 << 20
)

// settled waits briefly for the state to return to s and reports what did
// not.
func (s procState) settled(cgroups int) error {
	var err error
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		now := snapshot()
		switch {
		case now.fds > s.fds+fdSlack:
			err = fmt.Errorf("fds %d → %d", s.fds, now.fds)
		case now.goroutines > s.goroutines+goroutineSlack:
			err = fmt.Errorf("goroutines %d → %d", s.goroutines, now.goroutines)
		case now.mounts != s.mounts:
			err = fmt.Errorf("mounts %d → %d", s.mounts, now.mounts)
		case now.heap > s.heap+heapSlack:
			err = fmt.Errorf("heap %d → %d bytes", s.heap, now.heap)
		case len(cgroupDirs()) > cgroups:
			err = fmt.Errorf("cgroups left: %v", cgroupDirs())
		case len(children()) > 0:
			err = fmt.Errorf("children (or zombies) left: %v", children())
		default:
			return nil
		}
	}
	return err
}
