package sandbox_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxkit/sandbox"
)

// Runs of a judge inside a container whose user namespace maps only the
// ids 0-65535: each live run gets one of 40000-49999 as its own host uid,
// and a full range is an error to retry later, not a wait.
func ExampleSandbox_UIDRange() {
	sb := sandbox.New().UIDRange(40000, 10000).MemoryLimit(256 << 20)
	res, err := sb.Run(exec.Command("./solution"))
	if errors.Is(err, sandbox.ErrUIDRangeExhausted) {
		fmt.Println("too many runs at once; try again")
		return
	}
	fmt.Println(res, err)
}

// A regular file as Stdout: the command writes to a pipe the sandbox
// splices into the file at its offset (appended here), so it can neither
// read back nor rewrite what the file held.
func ExampleSandbox_Run_fileStdout() {
	log, err := os.OpenFile("/var/log/judge/run.log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer log.Close()
	cmd := exec.Command("./solution")
	cmd.Stdout, cmd.Stderr = log, log
	res, err := sandbox.New().OutputLimit(1 << 20).Run(cmd)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status) // OutputLimitExceeded past 1 MiB, whatever it does with SIGXFSZ
}
