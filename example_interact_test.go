package sandbox_test

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/sandboxkit/sandbox"
)

// An interactive problem: the solution and the problem's interactor, each
// in its own sandbox with its own limits, talk over two pipes. The
// solution's limits decide first, then the interactor's exit code; an
// interactor that fails otherwise is the problem's fault.
func ExampleInteract() {
	solution := sandbox.New().Bind("/srv/submission", "/sub").
		MemoryLimit(256 << 20).
		CPUTimeLimit(time.Second).
		WallTimeLimit(3 * time.Second) // also ends an idle deadlock
	interactor := sandbox.New().Bind("/srv/problem", "/problem").
		MemoryLimit(256 << 20).
		CPUTimeLimit(2 * time.Second).
		WallTimeLimit(4 * time.Second) // longer: the solution is blamed first
	in, err := sandbox.Interact(context.Background(),
		solution, exec.Command("/sub/solution"),
		interactor, exec.Command("/problem/interactor"))
	if err != nil {
		fmt.Println("judge error:", err)
		return
	}
	sol, inter := in.Result.Status, in.PeerResult.Status
	switch {
	case sol == sandbox.MemoryLimitExceeded, sol == sandbox.OutputLimitExceeded,
		sol == sandbox.CPUTimeLimitExceeded, sol == sandbox.WallTimeLimitExceeded:
		fmt.Println(sol)
	case inter == sandbox.NonZeroExit && (sol == sandbox.OK || in.PeerFirst):
		fmt.Println("wrong answer") // even if the solution then died of SIGPIPE
	case sol == sandbox.Signaled || sol == sandbox.NonZeroExit:
		fmt.Println("runtime error")
	case inter != sandbox.OK:
		fmt.Println("interactor failed:", inter) // the solution is Killed
	default:
		fmt.Println("accepted")
	}
}
