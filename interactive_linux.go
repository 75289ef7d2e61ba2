package sandbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func interact(ctx context.Context, s *Sandbox, cmd *exec.Cmd, ps *Sandbox, peer *exec.Cmd) (*Interaction, error) {
	// up carries cmd's stdout to peer, down peer's stdout to cmd.
	upR, upW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: interact: %w", err)
	}
	downR, downW, err := os.Pipe()
	if err != nil {
		upR.Close()
		upW.Close()
		return nil, fmt.Errorf("sandbox: interact: %w", err)
	}
	ends := []*os.File{upR, upW, downR, downW}
	cmd.Stdin, cmd.Stdout = downR, upW
	peer.Stdin, peer.Stdout = upR, downW
	p, err := s.start(ctx, cmd)
	var q *Process
	if err == nil {
		if q, err = ps.start(ctx, peer); err != nil {
			// Read ends first: cmd's output may wait to be copied.
			upR.Close()
			downR.Close()
			p.Kill()
			p.Wait()
		}
	}
	if err != nil {
		for _, f := range ends {
			f.Close()
		}
		unsetPipes(cmd, peer)
		return nil, err
	}

	procs := [2]*Process{p, q}
	var res [2]*Result
	var errs [2]error
	waited := make(chan int, 2)
	for i, pr := range procs {
		go func() {
			res[i], errs[i] = pr.Wait()
			// No Result: the command never started (GVisor's runsc
			// failed first), so the other has no one to talk to.
			if res[i] == nil || stoppedBySandbox(res[i]) {
				procs[1-i].Kill()
			}
			waited <- i
		}()
	}
	// The first end. Until the read ends are closed below, a command
	// writing to the other gets no EPIPE; until its Wait has returned (and
	// the loop further down closed its write end), the other gets no EOF:
	// neither can have reacted to this end yet.
	first := 0
	select {
	case <-p.done:
	case <-q.done:
		first = 1
	}
	together := isDone(procs[1-first])
	if procs[first].stopped.Load() != 0 {
		// Stopped by a limit, Kill or ctx: end the other now, not after
		// our copy into its stdin has drained.
		procs[1-first].Kill()
	}
	upR.Close()
	downR.Close()
	writeEnds := [2]*os.File{upW, downW}
	for range procs {
		writeEnds[<-waited].Close()
	}

	var all []error
	for _, e := range errs {
		// Our copy of a command's output into the other's stdin fails
		// with EPIPE once the other has ended: that is the command's
		// SIGPIPE, not a failure of the run.
		if e != nil && !errors.Is(e, syscall.EPIPE) {
			all = append(all, e)
		}
	}
	if e := cmp.Or(p.ctxErr, q.ctxErr); e != nil {
		all = append(all, fmt.Errorf("sandbox: run canceled: %w", e))
	}
	if res[0] == nil || res[1] == nil {
		// A command did not start (Wait's error, a *SetupError, says why):
		// no Interaction, as when Start fails.
		unsetPipes(cmd, peer)
		return nil, errors.Join(all...)
	}
	in := &Interaction{Result: res[0], PeerResult: res[1], PeerFirst: first == 1 && !together}
	return in, errors.Join(all...)
}

// unsetPipes gives cmd and peer back as the caller gave them (Stdin and
// Stdout nil) after a failed start, so they can be tried again.
func unsetPipes(cmd, peer *exec.Cmd) {
	cmd.Stdin, cmd.Stdout = nil, nil
	peer.Stdin, peer.Stdout = nil, nil
}

// stoppedBySandbox reports a Status of a run the sandbox ended.
func stoppedBySandbox(r *Result) bool {
	switch r.Status {
	case MemoryLimitExceeded, OutputLimitExceeded, CPUTimeLimitExceeded, WallTimeLimitExceeded, Killed:
		return true
	}
	return false
}

func isDone(p *Process) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
