package main

import (
	"bufio"
	"fmt"
	"os"
)

// Multiplies instead of adding.
func main() {
	in := bufio.NewReader(os.Stdin)
	var n, x int64
	p := int64(1)
	fmt.Fscan(in, &n)
	for i := int64(0); i < n; i++ {
		fmt.Fscan(in, &x)
		p *= x
	}
	fmt.Println(p)
}
