package sandbox

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// runscLog reads what `runsc run` and its Sentry ("boot") log (their
// --debug-log, at runsc's default level), line by line as it is written,
// for two facts no other interface of runsc gives:
//
//   - when the command starts: runsc's "Setting up network" (the Sentry
//     has booted and runsc asks it to start the command), then the
//     Sentry's "EXEC: [argv]" (it creates the command's process). CPU and
//     wall time count from the last of them;
//   - how the command ended: the Sentry's "application exiting with <wait
//     status>", else runsc's "Exiting with status: <wait status>". runsc's
//     own exit code is 128+n for a command killed by signal n, which a
//     command can also exit with, and when the Sentry ends before runsc
//     asked it, runsc's status is the Sentry's exit code, with the same
//     ambiguity: the Sentry's line tells them apart.
//
// Only lines in the exact format of runsc's text log count, each fact's
// first line only. A runsc that logs none of this still works: times count
// from the launch, and a run without a status is a runsc failure unless a
// limit or Kill explains it.
type runscLog struct {
	r         *os.File
	onStarted func(time.Time)
	done      chan struct{}

	mu       sync.Mutex
	started  time.Time
	marks    int                // 0: none yet, 1: runsc's, 2: the Sentry's
	ws       [2]unix.WaitStatus // the Sentry's, runsc's
	reported [2]bool
}

// logLine is a line of runsc's text log: level, date, time, thread,
// file:line, message. It is compiled at first use, not at every
// embedder's start-up.
var logLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[DIWE]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [\w.-]+:\d+\] (.*)$`)
})

func newRunscLog(r *os.File, onStarted func(time.Time)) *runscLog {
	return &runscLog{r: r, onStarted: onStarted, done: make(chan struct{})}
}

// read consumes the log until every writer closed it.
func (l *runscLog) read() {
	defer close(l.done)
	sc := bufio.NewScanner(l.r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	line := logLine()
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		msg := m[1]
		switch {
		case msg == "Setting up network" || strings.HasPrefix(msg, "EXEC: ["):
			l.mark(msg == "Setting up network")
		case strings.HasPrefix(msg, "application exiting with "):
			l.status(0, strings.TrimPrefix(msg, "application exiting with "))
		case strings.HasPrefix(msg, "Exiting with status: "):
			l.status(1, strings.TrimPrefix(msg, "Exiting with status: "))
		}
	}
}

// mark records a start mark: runsc's (network) at most once and before
// the Sentry's, then the Sentry's (EXEC) once.
func (l *runscLog) mark(network bool) {
	l.mu.Lock()
	next := 2 // after the Sentry's mark
	if network {
		next = 1
	}
	if l.marks >= next {
		l.mu.Unlock()
		return
	}
	l.marks = next
	l.started = time.Now()
	at := l.started
	l.mu.Unlock()
	if l.onStarted != nil {
		l.onStarted(at)
	}
}

func (l *runscLog) status(i int, v string) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return
	}
	l.mu.Lock()
	if !l.reported[i] {
		l.ws[i], l.reported[i] = unix.WaitStatus(n), true
	}
	l.mu.Unlock()
}

func (l *runscLog) setStarted(at time.Time) {
	l.mu.Lock()
	l.started = at
	l.mu.Unlock()
}

func (l *runscLog) startedAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
}

// wait waits, at most grace, for the end of the log (a process that still
// holds it past then is cut off), and returns the command's wait status
// if runsc logged one.
func (l *runscLog) wait(grace time.Duration) (unix.WaitStatus, bool) {
	select {
	case <-l.done:
	case <-time.After(grace):
		l.r.Close()
		<-l.done
	}
	l.r.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.ws {
		if l.reported[i] {
			return l.ws[i], true
		}
	}
	return 0, false
}
