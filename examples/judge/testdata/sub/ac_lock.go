package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
)

// Concurrent runs share inodes: the test's input (stdin) and the system
// files (/usr/bin/gcc). A lock or a watch on one is seen by every other
// run: a covert channel. Prints the sum only if no lock or watch could be
// had; "LEAKED" and what worked otherwise.
func leak(fd int) string {
	if syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB) == nil {
		return "flock"
	}
	if syscall.FcntlFlock(uintptr(fd), syscall.F_SETLK, &syscall.Flock_t{Type: syscall.F_RDLCK}) == nil {
		return "F_SETLK"
	}
	return ""
}

func main() {
	how := leak(0)
	if gcc, err := os.Open("/usr/bin/gcc"); how == "" && err == nil {
		how = leak(int(gcc.Fd()))
	}
	if fd, err := syscall.InotifyInit1(0); how == "" && err == nil && fd >= 0 {
		how = "inotify"
	}
	if how != "" {
		fmt.Println("LEAKED", how)
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
