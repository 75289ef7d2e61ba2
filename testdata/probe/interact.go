package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// interactSub runs the subcommands the tests of Interact use, and reports
// whether sub was one of them. Each speaks lines over stdin and stdout.
func interactSub(sub string, args []string) bool {
	num := func(i int) int {
		n, err := strconv.Atoi(args[i])
		check(err)
		return n
	}
	in := bufio.NewReader(os.Stdin)
	switch sub {
	case "ping":
		// ping N CODE: send 1..N, each time reading the line echoed back;
		// then exit CODE. A wrong echo exits 4, EOF exits 3.
		n, code := num(0), num(1)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(os.Stdout, "%d\n", i)
			line, err := in.ReadString('\n')
			if err != nil {
				fmt.Fprintln(os.Stderr, "ping: read:", err)
				os.Exit(3)
			}
			if line != strconv.Itoa(i)+"\n" {
				fmt.Fprintf(os.Stderr, "ping: got %q for %d\n", line, i)
				os.Exit(4)
			}
		}
		os.Exit(code)
	case "pong":
		// pong N CODE: echo N lines (N < 0: until EOF), then exit CODE.
		// EOF before N lines exits 3.
		n, code := num(0), num(1)
		for i := 0; n < 0 || i < n; i++ {
			line, err := in.ReadString('\n')
			if err == io.EOF && n < 0 {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "pong: read:", err)
				os.Exit(3)
			}
			os.Stdout.WriteString(line)
		}
		os.Exit(code)
	case "drain":
		// drain: read stdin to EOF and print how much it was (to stderr).
		n, _ := io.Copy(io.Discard, os.Stdin)
		fmt.Fprintln(os.Stderr, "drained", n)
	case "hangup":
		// hangup DURATION CODE: close stdin and stdout, sleep, exit CODE.
		d, err := time.ParseDuration(args[0])
		check(err)
		os.Stdin.Close()
		os.Stdout.Close()
		time.Sleep(d)
		os.Exit(num(1))
	default:
		return false
	}
	return true
}
