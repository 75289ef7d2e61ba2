// Command plugin is an example service that runs an untrusted plugin in a
// long-lived sandbox and talks to it over stdin/stdout, one JSON object per
// line:
//
//	request  {"id":1,"op":"upper","arg":"x"}
//	answer   {"id":1,"result":"X"}   or   {"id":1,"error":"…"}
//
// Each request has a deadline (Config.CallTimeout when the caller's context
// has none). The plugin is restarted, with exponential backoff, when it
// crashes, exceeds a limit, breaks the protocol or misses a deadline; every
// restart is logged with the sandbox's Result.
//
// # A hostile plugin
//
// The plugin is untrusted: it may try to spend the host's resources rather
// than its own. The host's work is bounded whatever the plugin writes:
//
//   - stderr is logged a line at a time within a budget (Config.StderrRate,
//     64 KiB/s by default); the rest is dropped unread and counted, and the
//     count is logged once a second. The host reads stderr at most 16 times
//     that rate: a plugin writing faster blocks on its own stderr. A 3 s
//     flood costs the host about 0.1 s of CPU and 0.5 MB of log, where
//     logging every line cost 5.6 s of CPU and 100 MB.
//   - An answer to an id no call waits for, a line that is not an answer
//     or one longer than Config.MaxLine is a protocol violation: the plugin
//     is stopped at the first one and restarted after a backoff that an
//     answer does not reset (ten quiet MaxBackoffs do). A flood of answers
//     costs the host one line per instance.
//   - Config.OutputLimit bounds what one instance writes over its life,
//     answers and stderr together (1 GiB by default); past it the instance
//     is restarted.
//   - The plugin runs with memory, pids and CPU quota limits, with no
//     capabilities and the library's default seccomp filter, as a uid of
//     its own: as root the library leases each instance a uid no other
//     process has (sandbox.DefaultUIDRange).
//
// Host.Stats counts starts, protocol violations and stderr dropped, for
// metrics.
//
// # What a restart clears
//
// Each instance runs in a new sandbox: nothing the last one did is visible
// to the next, except through the host (its answers, its logged stderr)
// and the plugin's directory, which is read-only. In particular a restart
// clears:
//
//   - memory and processes: a new process tree in a new PID namespace;
//   - files: a new /tmp (the only writable place);
//   - System V IPC and POSIX message queues: a new IPC namespace;
//   - the network: a new network namespace (FreshNetwork), so no IPv6 flow
//     label, abstract unix socket, lingering TCP connection or packet
//     counter carries over. The library reuses clean network namespaces by
//     default because creating one is its costliest step, but a namespace
//     keeps state that no socket holds (flow labels linger up to 150 s
//     after their socket is closed; counters never go back), and a plugin
//     restarts rarely: a millisecond per restart buys the certainty.
//   - the cgroup: limits and counters start again.
//
// What a restart does not clear: the host's backoff and protocol-violation
// count, and the stderr budget, so that dying does not buy a plugin a
// fresh allowance. A host that is not root runs every instance as its own
// uid, so instances share that uid's kernel budgets (inotify instances,
// pending signals); as root each has a uid of its own.
//
// Try it with the example plugin (as root):
//
//	CGO_ENABLED=0 go build -o /tmp/plug/echoplugin ./examples/plugin/testdata/echoplugin
//	printf 'upper hello\ncrash\nupper again\nhang\nupper back\n' |
//	    go run ./examples/plugin -dir /tmp/plug -exe echoplugin -timeout 500ms
//
// Each input line is "OP [ARG]"; each answer is printed on stdout, quoted
// as a Go string, so that a plugin's control characters (terminal escape
// sequences) reach the operator's terminal as text.
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
			fmt.Printf("%q: error: %v\n", op, err)
			continue
		}
		fmt.Printf("%q: %q\n", op, res)
	}
	return 0
}
