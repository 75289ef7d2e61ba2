package main

import "fmt"

type node struct{ next *node }

// A nil dereference: the runtime panics and exits with code 2.
func main() {
	var n *node
	fmt.Println(n.next)
}
