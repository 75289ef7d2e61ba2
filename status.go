package sandbox

import "fmt"

// Status classifies how a started command ended. It is decided from
// evidence the sandbox produced, with a fixed precedence (highest first):
//
//	MemoryLimitExceeded   the cgroup's OOM-kill counter rose during the run;
//	                      without a cgroup (Landlock backend), our poller
//	                      saw the run's memory reach MemoryLimit
//	OutputLimitExceeded   our counter of Stdout and Stderr bytes reached
//	                      OutputLimit
//	CPUTimeLimitExceeded  the cgroup's CPU usage (without a cgroup: that of
//	                      every process of the run, polled and at the end)
//	                      reached CPUTimeLimit, or the command died of
//	                      SIGXCPU (the RLIMIT_CPU backstop's) with a
//	                      measured CPU time at CPUTimeLimit
//	WallTimeLimitExceeded our wall-clock timer fired
//	Killed                Process.Kill or the context ended the run
//	Signaled              the command died of a signal we did not send,
//	                      SIGXCPU and SIGXFSZ included when the evidence
//	                      above is missing (a command may raise them
//	                      itself; a write past RLIMIT_FSIZE raises SIGXFSZ)
//	NonZeroExit           the command exited with a code other than 0
//	OK                    the command exited with code 0
type Status int

// The statuses.
const (
	OK Status = iota
	NonZeroExit
	Signaled
	CPUTimeLimitExceeded
	WallTimeLimitExceeded
	MemoryLimitExceeded
	OutputLimitExceeded
	Killed
)

var statusNames = [...]string{
	OK:                    "OK",
	NonZeroExit:           "NonZeroExit",
	Signaled:              "Signaled",
	CPUTimeLimitExceeded:  "CPUTimeLimitExceeded",
	WallTimeLimitExceeded: "WallTimeLimitExceeded",
	MemoryLimitExceeded:   "MemoryLimitExceeded",
	OutputLimitExceeded:   "OutputLimitExceeded",
	Killed:                "Killed",
}

// String returns the status's name, e.g. "MemoryLimitExceeded".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText makes a Status print as its name in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// evidence is what the sandbox observed about one run.
type evidence struct {
	oomKilled   bool // the cgroup's OOM-kill counter rose
	memoryLimit bool // without a cgroup: our poller saw the run's memory reach MemoryLimit
	outputLimit bool // our Stdout/Stderr counter hit the limit
	cpuLimit    bool // CPU usage reached the limit
	wallLimit   bool // our wall timer fired
	killed      bool // Kill or context
	exited      bool // a wait status was received
	exitCode    int
	signal      int // terminating signal, 0 if it exited
}

// classify applies the documented precedence.
func classify(e evidence) Status {
	switch {
	case e.oomKilled || e.memoryLimit:
		return MemoryLimitExceeded
	case e.outputLimit:
		return OutputLimitExceeded
	case e.cpuLimit:
		return CPUTimeLimitExceeded
	case e.wallLimit:
		return WallTimeLimitExceeded
	case e.killed:
		return Killed
	case !e.exited || e.signal != 0:
		return Signaled
	case e.exitCode != 0:
		return NonZeroExit
	}
	return OK
}
