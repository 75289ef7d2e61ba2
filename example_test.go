package sandbox_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"time"

	"github.com/sandboxkit/sandbox"
)

// A judge-style run: limits, a verdict, exact accounting.
func Example() {
	var out bytes.Buffer
	cmd := exec.Command("python3", "-c", "print(sum(range(10)))")
	cmd.Stdout = &out
	res, err := sandbox.New().
		MemoryLimit(256 << 20).
		CPUTimeLimit(time.Second).
		WallTimeLimit(3 * time.Second).
		Run(cmd)
	if err != nil {
		fmt.Println("sandbox:", err)
		return
	}
	fmt.Println(res.Status, out.String(), res.CPUTime, res.MemoryPeak)
}

// A plugin kept running, talked to over its stdio, and stopped.
func ExampleSandbox_Start() {
	p, err := sandbox.New().Bind("/opt/plugins", "/plugins").
		Start(exec.Command("/plugins/worker"))
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Kill()
	res, _ := p.Wait()
	fmt.Println(res.Status) // Killed
}

// A fixed root directory, and only the namespaces asked for.
func ExampleSandbox_Chroot() {
	res, err := sandbox.New().Chroot("/srv/rootfs").
		Namespaces(sandbox.PID, sandbox.Net, sandbox.Mount).
		Run(exec.Command("/bin/sh", "-c", "echo hi"))
	fmt.Println(res, err)
}
