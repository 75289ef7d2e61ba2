// Command plugin is an example service that runs an untrusted plugin in a
// long-lived sandbox and talks to it over stdin/stdout, one JSON object per
// line:
//
//	request  {"id":1,"op":"upper","arg":"x"}
//	answer   {"id":1,"result":"X"}   or   {"id":1,"error":"…"}
//
// Each request has a deadline. The plugin is restarted, with exponential
// backoff, when it crashes, exceeds a limit, breaks the protocol or misses a
// deadline; every restart is logged with the sandbox's Result. Try it with
// the example plugin (as root):
//
//	CGO_ENABLED=0 go build -o /tmp/plug/echoplugin ./examples/plugin/testdata/echoplugin
//	printf 'upper hello\ncrash\nupper again\nhang\nupper back\n' |
//	    go run ./examples/plugin -dir /tmp/plug -exe echoplugin -timeout 500ms
//
// Each input line is "OP [ARG]"; each answer is printed on stdout.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
)

func main() {
	os.Exit(run())
}

func run() int {
	dir := flag.String("dir", "", "host directory holding the plugin")
	exe := flag.String("exe", "", "the plugin executable's name in -dir")
	timeout := flag.Duration("timeout", time.Second, "deadline of each request")
	mem := flag.Int64("mem", 64<<20, "memory limit of the plugin, bytes")
	flag.Parse()
	log, err := zap.NewDevelopment(zap.AddStacktrace(zap.ErrorLevel))
	if err != nil {
		fmt.Fprintln(os.Stderr, "plugin:", err)
		return 2
	}
	defer log.Sync()
	h, err := NewHost(Config{Dir: *dir, Exe: *exe, MemoryLimit: *mem, Logger: log, Args: flag.Args()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer h.Close()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		op, arg, _ := strings.Cut(strings.TrimSpace(in.Text()), " ")
		if op == "" {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		res, err := h.Call(ctx, op, arg)
		cancel()
		if err != nil {
			fmt.Printf("%s: error: %v\n", op, err)
			continue
		}
		fmt.Printf("%s: %s\n", op, res)
	}
	return 0
}
