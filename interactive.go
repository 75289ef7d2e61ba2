package sandbox

import (
	"context"
	"errors"
	"os/exec"
)

// Interaction is how an Interact run ended.
type Interaction struct {
	Result     *Result // cmd's
	PeerResult *Result // peer's
	// PeerFirst reports that peer's sandbox ended while cmd's was still
	// running. cmd could not yet see that end (see Interact), so what cmd
	// did afterwards — an EPIPE, a SIGPIPE, a failed read — follows from
	// it. False when cmd's sandbox ended first, or when both had ended
	// before either could see the other end.
	PeerFirst bool
}

// Interact runs cmd in s and peer in ps at the same time, each with its own
// limits, connected by two pipes: cmd's stdout is peer's stdin and peer's
// stdout is cmd's stdin. It is the recipe of an interactive judge problem
// (cmd the solution, peer the interactor). Stdin and Stdout of both must be
// nil; Stderr, ExtraFiles, Env and Dir are each command's own. The error is
// non-nil when a command could not start (then neither runs and the
// Interaction is nil; under GVisor, runsc may fail only after Start, see
// Process.Wait: then the other command is killed, and the Interaction is
// nil too) or, as with RunContext, beside the Interaction: a *WaitError of
// either run, or ctx.Err() wrapped when ctx ended them. After a failed
// start Stdin and Stdout of both are nil again, so they can be tried
// again; after a run they hold the ends of Interact's pipes, closed by
// then (set them to nil to run the same *exec.Cmd again).
//
// The run ends when both sandboxes have ended, or as soon as one is
// stopped by a limit (or Kill, or ctx): then the other is killed and its
// Status is Killed unless it hit a limit of its own. An idle deadlock (both
// blocked reading) thus ends with the first WallTimeLimit: give each
// sandbox one, the peer's longer when cmd is the one to blame.
//
// Neither command sees the other's end before Interact has: the parent
// keeps its copy of both read ends until the first sandbox has ended, and
// of each write end until its writer's sandbox has, so a command gets EOF
// or EPIPE from the other only once that other's whole sandbox is gone (a
// command that closes its stdout and keeps running gives no EOF). That
// makes PeerFirst evidence rather than a race.
//
// With OutputLimit a side's output is counted by copying it through the
// embedding process, a hop per message that makes a question and its
// answer several times slower (BenchmarkInteractRoundTrips). Without it
// the pipes bound a flood: once one the other side does not read is full,
// the writer blocks until a limit ends the run.
func Interact(ctx context.Context, s *Sandbox, cmd *exec.Cmd, ps *Sandbox, peer *exec.Cmd) (*Interaction, error) {
	if err := checkInteract(s, cmd, ps, peer); err != nil {
		return nil, err
	}
	return interact(ctx, s, cmd, ps, peer)
}

func checkInteract(s *Sandbox, cmd *exec.Cmd, ps *Sandbox, peer *exec.Cmd) error {
	switch {
	case s == nil || ps == nil:
		return &ConfigError{Method: "Interact", Value: nil, Reason: "nil *Sandbox"}
	case cmd == nil || peer == nil:
		return &ConfigError{Method: "Interact", Value: nil, Reason: "nil *exec.Cmd"}
	case cmd == peer:
		return &ConfigError{Method: "Interact", Value: cmd.Path, Reason: "the same *exec.Cmd on both sides"}
	case len(s.errs)+len(ps.errs) > 0:
		// Both sandboxes' errors, before either command starts.
		return errors.Join(append(append([]error(nil), s.errs...), ps.errs...)...)
	}
	for _, c := range []*exec.Cmd{cmd, peer} {
		if c.Stdin != nil || c.Stdout != nil {
			return &ConfigError{Method: "Interact", Value: c.Path, Reason: "Stdin and Stdout must be nil: Interact connects them"}
		}
	}
	return nil
}
