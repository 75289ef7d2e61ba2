package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
)

// The program the judge runs must be its own copy, owned by root and
// read-only: then nothing running as the submission's user can change it
// between the compile and the runs. Prints the sum only if this program
// cannot change its own executable; "PWNED" and what worked otherwise.
func main() {
	var st syscall.Stat_t
	how := ""
	switch {
	case syscall.Stat(os.Args[0], &st) != nil:
		how = "no executable to check"
	case int(st.Uid) == os.Getuid():
		how = "owned by the run's uid"
	case st.Mode&0o7222 != 0:
		how = "writable or set-id mode"
	case os.Chmod(os.Args[0], 0o777) == nil:
		how = "chmod"
	}
	if how != "" {
		fmt.Println("PWNED", how)
		return
	}
	in := bufio.NewReader(os.Stdin)
	var n, x, s int64
	fmt.Fscan(in, &n)
	for i := int64(0); i < n; i++ {
		fmt.Fscan(in, &x)
		s += x
	}
	fmt.Println(s)
}
