package main

import (
	"bufio"
	"fmt"
	"os"
)

// Prints the sum only if no host file could be read; "LEAKED" otherwise.
func main() {
	for _, p := range []string{"/tmp/sandboxkit-judge-secret", "/etc/shadow", "/root/.bashrc"} {
		if f, err := os.Open(p); err == nil {
			f.Close()
			fmt.Println("LEAKED")
			return
		}
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
