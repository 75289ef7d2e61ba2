package main

import (
	"fmt"
	"io"
)

// doctor reports what this host supports.
func doctor(w io.Writer) int {
	fmt.Fprintln(w, "sbx doctor: not yet implemented")
	return 0
}
