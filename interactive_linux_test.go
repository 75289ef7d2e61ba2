package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// interactRun runs cmd and peer (probe subcommands) with Interact and
// fails the test on an error.
func interactRun(t *testing.T, s, ps *Sandbox, cmd, peer []string) *Interaction {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, err := Interact(ctx, s, probeCmd(cmd...), ps, probeCmd(peer...))
	if err != nil {
		t.Fatalf("Interact(%q, %q): %v", cmd, peer, err)
	}
	return in
}

func probeCmd(args ...string) *exec.Cmd { return exec.Command("/probe/probe", args...) }

func describe(in *Interaction) string {
	return "cmd " + resultString(in.Result) + ", peer " + resultString(in.PeerResult)
}

func resultString(r *Result) string {
	switch r.Status {
	case NonZeroExit:
		return fmt.Sprintf("%v %d", r.Status, r.ExitCode)
	case Signaled:
		return fmt.Sprintf("%v %v", r.Status, unix.SignalName(r.Signal))
	}
	return r.Status.String()
}

// A thousand questions and answers, with the pipes handed to the
// commands directly and with OutputLimit counting both sides (our copy
// in between): both end OK, and the answerer sees EOF only after the
// asker's sandbox ended.
func TestInteractRoundTrips(t *testing.T) {
	requireRoot(t)
	for _, counted := range []bool{false, true} {
		checkLeaks(t)
		checkCgroups(t)
		s, ps := probeSandbox(t), probeSandbox(t)
		if counted {
			s.OutputLimit(1 << 20)
			ps.OutputLimit(1 << 20)
		}
		in := interactRun(t, s, ps, []string{"ping", "1000", "0"}, []string{"pong", "-1", "0"})
		if in.Result.Status != OK || in.PeerResult.Status != OK || in.PeerFirst {
			t.Errorf("counted %v: %s, peer first %v; want both OK, cmd first", counted, describe(in), in.PeerFirst)
		}
	}
}

// The peer decides and exits while cmd still talks: cmd's EOF or SIGPIPE
// comes after, and PeerFirst says so, every time.
func TestInteractPeerEndsFirst(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	for i := range 10 {
		in := interactRun(t, probeSandbox(t), probeSandbox(t), []string{"ping", "100", "0"}, []string{"pong", "5", "1"})
		cmdOK := in.Result.Status == NonZeroExit && in.Result.ExitCode == 3 ||
			in.Result.Status == Signaled && in.Result.Signal == syscall.SIGPIPE
		if !cmdOK || in.PeerResult.Status != NonZeroExit || in.PeerResult.ExitCode != 1 || !in.PeerFirst {
			t.Fatalf("run %d: %s, peer first %v; want cmd EOF (exit 3) or SIGPIPE, peer exit 1, peer first", i, describe(in), in.PeerFirst)
		}
	}
}

// A command that hangs up (closes stdin and stdout) and exits later: the
// other side sees EOF only once the hung-up sandbox has ended, so the
// order of the two ends is the order of cause and effect.
func TestInteractHangupIsSeenAtTheEnd(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	in := interactRun(t, probeSandbox(t), probeSandbox(t), []string{"hangup", "300ms", "5"}, []string{"pong", "-1", "0"})
	if in.Result.Status != NonZeroExit || in.Result.ExitCode != 5 || in.PeerResult.Status != OK || in.PeerFirst {
		t.Errorf("cmd hangs up: %s, peer first %v; want cmd exit 5, peer OK after it", describe(in), in.PeerFirst)
	}
	in = interactRun(t, probeSandbox(t), probeSandbox(t), []string{"ping", "3", "0"}, []string{"hangup", "300ms", "1"})
	if in.Result.Status != NonZeroExit || in.Result.ExitCode != 3 || in.PeerResult.ExitCode != 1 || !in.PeerFirst {
		t.Errorf("peer hangs up: %s, peer first %v; want cmd EOF (exit 3) after the peer's exit 1", describe(in), in.PeerFirst)
	}
	// Writing, not reading: no EPIPE before the peer's sandbox has ended.
	in = interactRun(t, probeSandbox(t), probeSandbox(t), []string{"flood", "-"}, []string{"hangup", "300ms", "1"})
	if in.Result.Status != Signaled || in.Result.Signal != syscall.SIGPIPE || in.PeerResult.ExitCode != 1 || !in.PeerFirst {
		t.Errorf("peer hangs up on a writer: %s, peer first %v; want cmd SIGPIPE after the peer's exit 1", describe(in), in.PeerFirst)
	}
}

// Both blocked, neither able to go on: the first wall limit ends the run,
// and the other side is killed with it although it has no limit at all.
func TestInteractDeadlockEndsAtTheWallLimit(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	start := time.Now()
	in := interactRun(t, probeSandbox(t).WallTimeLimit(300*time.Millisecond), probeSandbox(t),
		[]string{"drain"}, []string{"sleep", "1h"})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("run took %v, want about the 300ms wall limit", d)
	}
	if in.Result.Status != WallTimeLimitExceeded || in.PeerResult.Status != Killed || in.PeerFirst {
		t.Errorf("%s, peer first %v; want cmd WallTimeLimitExceeded, peer Killed", describe(in), in.PeerFirst)
	}
	// The same with the peer to blame.
	in = interactRun(t, probeSandbox(t), probeSandbox(t).CPUTimeLimit(200*time.Millisecond),
		[]string{"drain"}, []string{"spin", "1h"})
	if in.Result.Status != Killed || in.PeerResult.Status != CPUTimeLimitExceeded || !in.PeerFirst {
		t.Errorf("%s, peer first %v; want cmd Killed, peer CPUTimeLimitExceeded first", describe(in), in.PeerFirst)
	}
}

// A command that floods its output: if the peer does not read, the pipes
// fill, the flood blocks and the wall limit ends it (our copy, blocked on
// the peer's full stdin, must not keep the run alive); if the peer reads,
// OutputLimit ends it.
func TestInteractFlood(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	flood := func() *Sandbox {
		return probeSandbox(t).OutputLimit(1 << 20).WallTimeLimit(500 * time.Millisecond)
	}
	in := interactRun(t, flood(), probeSandbox(t), []string{"flood", "-"}, []string{"sleep", "1h"})
	if in.Result.Status != WallTimeLimitExceeded || in.PeerResult.Status != Killed {
		t.Errorf("unread flood: %s; want cmd WallTimeLimitExceeded, peer Killed", describe(in))
	}
	// Time enough for the peer to start and drain 1 MiB on a slow machine:
	// if OutputLimit failed, the wall limit would end the run, and the
	// status says so.
	in = interactRun(t, flood().WallTimeLimit(10*time.Second), probeSandbox(t), []string{"flood", "-"}, []string{"drain"})
	if in.Result.Status != OutputLimitExceeded || in.PeerResult.Status != Killed {
		t.Errorf("drained flood: %s; want cmd OutputLimitExceeded, peer Killed", describe(in))
	}
}

// A peer that cannot start: nothing runs, nothing is left, and the error
// says why. Both commands are as the caller gave them, so the one that
// started can be tried again.
func TestInteractPeerCannotStart(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	cmd, peer := probeCmd("ping", "3", "0"), exec.Command("/no/such/interactor")
	in, err := Interact(context.Background(), probeSandbox(t).MemoryLimit(64<<20), cmd, probeSandbox(t), peer)
	if in != nil || !errors.Is(err, ErrCommandNotFound) {
		t.Errorf("got %v, %v; want ErrCommandNotFound and no Interaction", in, err)
	}
	for _, c := range []*exec.Cmd{cmd, peer} {
		if c.Stdin != nil || c.Stdout != nil {
			t.Errorf("%s: Stdin %v, Stdout %v after a failed start; want nil as given", c.Path, c.Stdin, c.Stdout)
		}
	}
	in, err = Interact(context.Background(), probeSandbox(t).MemoryLimit(64<<20), cmd, probeSandbox(t), probeCmd("pong", "3", "0"))
	if err != nil || in.Result.Status != OK || in.PeerResult.Status != OK {
		t.Errorf("the same cmd again: %v, %v; want both OK", in, err)
	}
}

// A GVisor side whose runsc fails before its command starts: Wait has no
// Result for it. Interact kills the other side and returns the error and
// no Interaction; it does not panic (which would end the embedding
// process).
func TestInteractRunscFailsBeforeBoot(t *testing.T) {
	requireRoot(t)
	requireBackend(t, GVisor)
	checkLeaks(t)
	checkCgroups(t)
	checkRunDirs(t)
	h, err := probeGVisor(gvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// A runsc that is the real one until the file fail exists, then fails
	// every command: the probe passes, the run fails before boot.
	dir := t.TempDir()
	runsc, fail := filepath.Join(dir, "runsc"), filepath.Join(dir, "fail")
	script := "#!/bin/sh\n[ -e " + fail + " ] && exit 1\nexec " + h.runsc + " \"$@\"\n"
	if err := os.WriteFile(runsc, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := probeGVisor(gvisorConfig{runsc: runsc}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fail, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, gvisorFirst := range []bool{true, false} {
		// The other side drains forever: only Interact's kill, or else the
		// context, ends it.
		a, b := New().Backend(GVisor).RunscPath(runsc), probeSandbox(t)
		acmd, bcmd := exec.Command("/bin/true"), probeCmd("drain")
		if !gvisorFirst {
			a, b, acmd, bcmd = b, a, bcmd, acmd
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		in, err := Interact(ctx, a, acmd, b, bcmd)
		cancel()
		var se *SetupError
		if in != nil || !errors.As(err, &se) || se.Stage != "runsc" || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GVisor side first %v: got %v, %v; want no Interaction and only runsc's *SetupError", gvisorFirst, in, err)
		}
		if acmd.Stdin != nil || acmd.Stdout != nil || bcmd.Stdin != nil || bcmd.Stdout != nil {
			t.Errorf("GVisor side first %v: Stdin or Stdout left set after a failed start", gvisorFirst)
		}
	}
}

// Cancelling the context kills both and is an error beside the results.
func TestInteractContext(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	// Both sides drain forever, so only the deadline ends the run; it
	// must not pass before both have started.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	in, err := Interact(ctx, probeSandbox(t), probeCmd("drain"), probeSandbox(t), probeCmd("drain"))
	if !errors.Is(err, context.DeadlineExceeded) || in == nil {
		t.Fatalf("got %v, %v; want results and an error wrapping the context's", in, err)
	}
	if in.Result.Status != Killed || in.PeerResult.Status != Killed {
		t.Errorf("%s; want both Killed", describe(in))
	}
}

// BenchmarkInteractRoundTrips measures one question and answer through
// Interact against two plain processes joined by pipes, interleaved: each
// iteration runs 10,000 round trips of probe ping/pong four ways — plain
// os/exec; plain, each process in a new session as a sandbox's command is
// (so its own scheduler autogroup where sched_autogroup is on); Interact
// with the pipes handed over; and Interact with OutputLimit on both sides,
// whose copy adds a hop through this process per message. It reports the
// median time per round trip of each and the median of the per-iteration
// ratios to plain.
func BenchmarkInteractRoundTrips(b *testing.B) {
	requireRoot(b)
	const trips = 10000
	dir := probe(b)
	n := strconv.Itoa(trips)
	plainPair := func(setsid bool) {
		ping := exec.Command(filepath.Join(dir, "probe"), "ping", n, "0")
		pong := exec.Command(filepath.Join(dir, "probe"), "pong", "-1", "0")
		if setsid {
			ping.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			pong.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		}
		if err := runPair(ping, pong); err != nil {
			b.Fatal(err)
		}
	}
	sandboxPair := func(limit int64) {
		s, ps := New().Bind(dir, "/probe"), New().Bind(dir, "/probe")
		if limit > 0 {
			s.OutputLimit(limit)
			ps.OutputLimit(limit)
		}
		in, err := Interact(context.Background(), s, probeCmd("ping", n, "0"), ps, probeCmd("pong", "-1", "0"))
		if err != nil || in.Result.Status != OK || in.PeerResult.Status != OK {
			b.Fatalf("%v %v", in, err)
		}
	}
	ways := []struct {
		name string
		run  func()
	}{
		{"plain", func() { plainPair(false) }},
		{"setsid", func() { plainPair(true) }},
		{"interact", func() { sandboxPair(0) }},
		{"counted", func() { sandboxPair(1 << 30) }},
	}
	times := make([][]float64, len(ways)) // ns per round trip, per iteration
	for b.Loop() {
		for i, w := range ways {
			start := time.Now()
			w.run()
			times[i] = append(times[i], float64(time.Since(start).Nanoseconds())/trips)
		}
	}
	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	for i, w := range ways {
		b.ReportMetric(median(times[i]), "ns/trip-"+w.name)
		if i > 0 {
			ratios := make([]float64, len(times[i]))
			for k := range ratios {
				ratios[k] = times[i][k] / times[0][k]
			}
			b.ReportMetric(median(ratios), "x-"+w.name)
		}
	}
}

// runPair runs a and b connected stdout to stdin both ways, plainly.
func runPair(a, b *exec.Cmd) error {
	abR, abW, err := os.Pipe()
	if err != nil {
		return err
	}
	baR, baW, err := os.Pipe()
	if err != nil {
		return err
	}
	a.Stdin, a.Stdout, b.Stdin, b.Stdout = baR, abW, abR, baW
	errA := a.Start()
	errB := b.Start()
	for _, f := range []*os.File{abR, abW, baR, baW} {
		f.Close()
	}
	if errA == nil {
		errA = a.Wait()
	}
	if errB == nil {
		errB = b.Wait()
	}
	return errors.Join(errA, errB)
}
