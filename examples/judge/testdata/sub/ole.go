package main

import (
	"bufio"
	"os"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	for {
		w.WriteString("4444444444444444444444444444444444444444444444444444444444444444\n")
	}
}
