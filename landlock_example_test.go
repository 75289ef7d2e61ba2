package sandbox_test

import (
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/sandboxkit/sandbox"
)

// Choosing the backend where the host refuses namespaces: never silently,
// the caller decides from what Available says.
func ExampleSandbox_Backend() {
	sb := sandbox.New().MemoryLimit(256 << 20).CPUTimeLimit(time.Second)
	if err := sandbox.Native.Available(); err != nil {
		var ue *sandbox.UnavailableError
		errors.As(err, &ue)
		fmt.Println("no namespaces here:", ue.Missing)
		// Landlock shows host paths in place: bind what the command needs
		// where it is.
		sb.Backend(sandbox.Landlock).Bind("/srv/judge/bin", "/srv/judge/bin")
	}
	res, err := sb.Run(exec.Command("/srv/judge/bin/solution"))
	fmt.Println(res, err)
}

// An older kernel's Landlock (before Linux 6.12) lacks layers: Run says
// which, unless the caller accepts running without them.
func ExampleSandbox_LandlockBestEffort() {
	sb := sandbox.New().Backend(sandbox.Landlock)
	var abi *sandbox.LandlockABIError
	if err := sandbox.Landlock.Available(); errors.As(err, &abi) {
		fmt.Println("running without:", abi.Missing)
		sb.LandlockBestEffort()
	}
	res, err := sb.Run(exec.Command("true"))
	fmt.Println(res, err)
}
