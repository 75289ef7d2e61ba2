package main

import "fmt"

// Allocates and touches 512 MiB, a page at a time.
func main() {
	b := make([]byte, 512<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	fmt.Println(b[len(b)-4096])
}
