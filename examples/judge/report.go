//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/sandboxkit/sandbox"
	"golang.org/x/sys/unix"
)

// Verdict is the judge's answer for a test or a whole submission.
type Verdict string

// The verdicts.
const (
	AC  Verdict = "AC"  // accepted
	WA  Verdict = "WA"  // wrong answer
	TLE Verdict = "TLE" // CPU or wall time limit exceeded
	MLE Verdict = "MLE" // memory limit exceeded
	OLE Verdict = "OLE" // output limit exceeded
	RE  Verdict = "RE"  // runtime error: a signal or a non-zero exit
	CE  Verdict = "CE"  // compilation error
	IE  Verdict = "IE"  // internal error: a Status the judge does not expect
)

// Report is the outcome of judging one submission.
type Report struct {
	Lang    string       `json:"lang"`
	Source  string       `json:"source"`
	Verdict Verdict      `json:"verdict"` // AC, or the first failing test's verdict, or CE
	Compile *StepResult  `json:"compile"`
	Tests   []TestResult `json:"tests"`
}

// StepResult is the compile step.
type StepResult struct {
	Verdict Verdict `json:"verdict"` // AC or CE
	Detail  string  `json:"detail,omitempty"`
	Log     string  `json:"log,omitempty"` // the compiler's output, truncated
	usage
}

// TestResult is one test's run.
type TestResult struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	Detail  string  `json:"detail,omitempty"` // "SIGSEGV", "exit 1", "cpu", "wall"
	Stderr  string  `json:"stderr,omitempty"` // for RE, truncated
	usage
}

// usage is what the sandbox measured.
type usage struct {
	Status     sandbox.Status `json:"status"`
	ExitCode   int            `json:"exit_code"`
	Signal     string         `json:"signal,omitempty"`
	CPUMillis  int64          `json:"cpu_ms"`
	WallMillis int64          `json:"wall_ms"`
	MemoryPeak int64          `json:"memory_peak_bytes"`
}

func (u *usage) fill(res *sandbox.Result) {
	u.Status = res.Status
	u.ExitCode = res.ExitCode
	if res.Signal != 0 {
		u.Signal = signalName(res.Signal)
	}
	u.CPUMillis = res.CPUTime.Milliseconds()
	u.WallMillis = res.WallTime.Milliseconds()
	u.MemoryPeak = res.MemoryPeak
}

// signalName returns "SIGSEGV" for syscall.SIGSEGV.
func signalName(s syscall.Signal) string {
	if name := unix.SignalName(s); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", int(s))
}

// label is a verdict with its detail, as the table prints it: "RE(SIGSEGV)".
func label(v Verdict, detail string) string {
	if v == RE || v == CE && detail != "" {
		return fmt.Sprintf("%s(%s)", v, detail)
	}
	return string(v)
}

// WriteTable prints the report as a human-readable table. Every string in
// it that a submission or a file name could have chosen is escaped
// (printable): the table is for a terminal.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s (%s): %s\n", printable(r.Source, false), r.Lang, r.Verdict)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "test\tverdict\tcpu\twall\tmemory\t")
	if c := r.Compile; c != nil {
		fmt.Fprintf(tw, "compile\t%s\t%dms\t%dms\t%s\t\n", printable(label(c.Verdict, c.Detail), false), c.CPUMillis, c.WallMillis, mib(c.MemoryPeak))
	}
	for _, t := range r.Tests {
		fmt.Fprintf(tw, "%s\t%s\t%dms\t%dms\t%s\t\n", printable(t.Name, false), printable(label(t.Verdict, t.Detail), false), t.CPUMillis, t.WallMillis, mib(t.MemoryPeak))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c := r.Compile; c != nil && c.Verdict == CE && c.Log != "" {
		fmt.Fprintf(w, "compiler output:\n%s\n", printable(strings.TrimRight(c.Log, "\n"), true))
	}
	return nil
}

func mib(b int64) string {
	if b < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20))
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
