package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"time"
)

// Prints the sum only if no connection could be made; "PWNED" otherwise.
func main() {
	for _, addr := range []string{"1.1.1.1:80", "127.0.0.1:47391"} {
		if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
			c.Close()
			fmt.Println("PWNED")
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
