//go:build linux

// sbx lives for a few milliseconds: the runtime's container-aware
// GOMAXPROCS (cgroup files read at start and re-read in the background)
// and its naming of memory mappings are work it never benefits from.

//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0

// Command sbx runs a command in a sandbox: `sbx [flags] -- CMD ARGS…`.
//
// Every flag maps onto one builder method of github.com/sandboxkit/sandbox;
// with no flags the command runs in sandbox.New(), the library's defaults.
// sbx exits with the command's exit code, 128+N when a signal N killed it,
// and these codes for the sandbox's own verdicts:
//
//	124  wall time limit exceeded
//	125  the sandbox could not be set up (the error is printed)
//	127  the command was not found inside the sandbox
//	137  killed (sbx itself was interrupted)
//	151  memory limit exceeded
//	152  CPU time limit exceeded
//	153  output limit exceeded
//
// With --json the Result is printed on stderr as one JSON object, with the
// run statistics isolate's meta file reports (context switches, the largest
// process's peak RSS, disk bytes, processes created and most alive at once);
// a statistic the run left no evidence for is left out (sandbox.Result says
// where each comes from).
// `sbx doctor` reports what this host supports.
//
// sbx pays Go's start-up at every invocation; built static it starts
// without the dynamic loader (a default build links the C resolver, since
// the library's logger, zap, imports net):
//
//	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' ./examples/sbx
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/sandboxkit/sandbox"
)

// Exit codes of sbx's own verdicts.
const (
	exitWallTime = 124
	exitSetup    = 125
	exitNotFound = 127
	exitKilled   = 137
	exitMemory   = 151
	exitCPUTime  = 152
	exitOutput   = 153
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "doctor" {
		return doctor(os.Stdout)
	}
	opts, argv, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbx:", err)
		return 2
	}
	sb, err := opts.sandbox()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbx:", err)
		return 2
	}
	// One run per process: a network namespace kept for a next run would
	// only be closed at exit.
	sb.FreshNetwork()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = opts.env
	cmd.Dir = opts.dir
	// Interrupted, sbx kills the sandbox and exits 137. A signal that
	// comes while the sandbox starts is kept in the channel until it has.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	p, err := sb.Start(cmd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbx:", err)
		if errors.Is(err, sandbox.ErrCommandNotFound) {
			return exitNotFound
		}
		return exitSetup
	}
	go func() {
		<-sig
		p.Kill()
	}()
	res, err := p.Wait()
	if res == nil {
		fmt.Fprintln(os.Stderr, "sbx:", err)
		return exitSetup
	}
	if err != nil {
		// A step at the run's end failed (a *sandbox.WaitError): the
		// command's Result stands, and its exit code with it.
		fmt.Fprintln(os.Stderr, "sbx:", err)
	}
	if opts.json {
		writeJSON(os.Stderr, res)
	}
	return exitCode(res)
}

// exitCode maps a Result to sbx's exit code.
func exitCode(res *sandbox.Result) int {
	switch res.Status {
	case sandbox.OK, sandbox.NonZeroExit:
		return res.ExitCode
	case sandbox.Signaled:
		return 128 + int(res.Signal)
	case sandbox.WallTimeLimitExceeded:
		return exitWallTime
	case sandbox.MemoryLimitExceeded:
		return exitMemory
	case sandbox.CPUTimeLimitExceeded:
		return exitCPUTime
	case sandbox.OutputLimitExceeded:
		return exitOutput
	}
	return exitKilled
}

// jsonResult is the shape --json prints, close to isolate's meta file. A
// statistic the run gave no evidence for (-1 in the Result) is left out.
type jsonResult struct {
	Status       string  `json:"status"`
	ExitCode     int     `json:"exit_code"`
	Signal       int     `json:"signal"`
	CPUTime      float64 `json:"cpu_time"`              // seconds
	WallTime     float64 `json:"wall_time"`             // seconds
	MemoryPeak   *int64  `json:"memory_peak,omitempty"` // bytes
	CswVoluntary *int64  `json:"csw_voluntary,omitempty"`
	CswForced    *int64  `json:"csw_forced,omitempty"`
	MaxRSS       *int64  `json:"max_rss,omitempty"` // bytes
	DiskRead     *int64  `json:"disk_read,omitempty"`
	DiskWritten  *int64  `json:"disk_written,omitempty"`
	StdoutBytes  *int64  `json:"stdout_bytes,omitempty"`
	StderrBytes  *int64  `json:"stderr_bytes,omitempty"`
	Processes    *int64  `json:"processes,omitempty"`
	ProcsPeak    *int64  `json:"processes_peak,omitempty"`
}

// known is v, or nil when the Result says it is unknown (-1).
func known(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}

func writeJSON(f *os.File, res *sandbox.Result) {
	b, _ := json.Marshal(jsonResult{
		Status:       res.Status.String(),
		ExitCode:     res.ExitCode,
		Signal:       int(res.Signal),
		CPUTime:      res.CPUTime.Seconds(),
		WallTime:     res.WallTime.Seconds(),
		MemoryPeak:   known(res.MemoryPeak),
		CswVoluntary: known(res.VoluntarySwitches),
		CswForced:    known(res.ForcedSwitches),
		MaxRSS:       known(res.MaxRSS),
		DiskRead:     known(res.DiskReadBytes),
		DiskWritten:  known(res.DiskWriteBytes),
		StdoutBytes:  known(res.StdoutBytes),
		StderrBytes:  known(res.StderrBytes),
		Processes:    known(res.Processes),
		ProcsPeak:    known(res.ProcessesPeak),
	})
	fmt.Fprintln(f, string(b))
}
