package main

import (
	"bytes"
	"sync"
	"time"

	"go.uber.org/zap"
)

// What the plugin writes on stderr is logged a line at a time, within a
// budget: the host's log and CPU must not be the plugin's to spend.
//
//   - Lines are logged at StderrRate bytes a second, after a burst of
//     four times that; each line costs its length plus lineCost, so a flood
//     of empty lines is bounded too. A line is cut at maxLogLine bytes.
//   - What does not fit is dropped without being looked at, and counted;
//     the count is logged at most once a reportEvery, and when an instance
//     ends.
//   - The pipe is read no faster than drainFactor × StderrRate: beyond
//     that the reader sleeps, the pipe fills, and the plugin blocks on its
//     own stderr. So a flood costs the host a bounded number of bytes read
//     a second, whatever the plugin's CPU quota.
//
// The budget is the Host's, shared by its instances: a restart does not
// refill it.
const (
	lineCost    = 64
	maxLogLine  = 4 << 10
	reportEvery = time.Second
	drainFactor = 16
	maxDrainLag = 100 * time.Millisecond // the longest a read waits
)

// stderrBudget is a Host's budget for its plugin's stderr.
type stderrBudget struct {
	h *Host

	mu         sync.Mutex
	log        bucket // bytes that may be logged
	drain      bucket // bytes that may be read
	dropped    int64  // bytes dropped since the last report
	lastReport time.Time
}

func newStderrBudget(rate int, h *Host) *stderrBudget {
	now := time.Now()
	r := float64(rate)
	return &stderrBudget{
		h:     h,
		log:   bucket{rate: r, burst: 4 * r, tokens: 4 * r, last: now},
		drain: bucket{rate: drainFactor * r, burst: drainFactor * r, tokens: drainFactor * r, last: now},
	}
}

// bucket is a token bucket of bytes.
type bucket struct {
	rate, burst, tokens float64 // bytes a second, the most it holds, what it holds
	last                time.Time
}

func (b *bucket) refill(now time.Time) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
}

// read accounts for n bytes read from a plugin's stderr and waits while
// reads run ahead of the drain rate.
func (s *stderrBudget) read(n int) {
	s.h.stats.stderrBytes.Add(int64(n))
	s.mu.Lock()
	s.drain.refill(time.Now())
	s.drain.tokens -= float64(n) // a debt is paid by waiting
	lag := time.Duration(-s.drain.tokens / s.drain.rate * float64(time.Second))
	s.mu.Unlock()
	if lag > 0 {
		time.Sleep(min(lag, maxDrainLag))
	}
}

// take spends the cost of logging a line of n bytes, if the budget has it.
func (s *stderrBudget) take(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.refill(time.Now())
	cost := float64(n + lineCost)
	if s.log.tokens < cost {
		return false
	}
	s.log.tokens -= cost
	return true
}

// drop counts n bytes not logged and logs the count when one is due (or
// now, with force).
func (s *stderrBudget) drop(n int, force bool) {
	s.h.stats.stderrDropped.Add(int64(n))
	s.mu.Lock()
	s.dropped += int64(n)
	now := time.Now()
	due := s.dropped > 0 && (force || now.Sub(s.lastReport) >= reportEvery)
	dropped := s.dropped
	if due {
		s.dropped, s.lastReport = 0, now
	}
	s.mu.Unlock()
	if due {
		s.h.log.Warn("plugin stderr dropped", zap.Int64("bytes", dropped),
			zap.Int("rate", s.h.cfg.StderrRate))
	}
}

// stderrLog is one instance's stderr: the io.Writer the sandbox copies it
// to. The sandbox's copy hands it up to 32 KiB at a time.
type stderrLog struct {
	b   *stderrBudget
	mu  sync.Mutex
	buf []byte // the start of a line, < maxLogLine bytes
}

func (w *stderrLog) Write(p []byte) (int, error) {
	n := len(p)
	w.b.read(n)
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(p) > 0 {
		// The next line, or as much of it as fits in maxLogLine.
		seg := p[:min(len(p), maxLogLine-len(w.buf))]
		end := bytes.IndexByte(seg, '\n')
		if end < 0 && len(w.buf)+len(seg) < maxLogLine {
			w.buf = append(w.buf, seg...) // the rest of it comes later
			break
		}
		full := end >= 0
		if full {
			seg = seg[:end]
		}
		head := w.buf
		w.buf = w.buf[:0]
		if full {
			p = p[len(seg)+1:]
		} else {
			p = p[len(seg):]
		}
		if !w.b.take(len(head) + len(seg)) {
			// Over budget: drop this line and the rest of p unread.
			w.b.drop(len(head)+len(seg)+len(p), false)
			return n, nil
		}
		w.log(head, seg, !full)
	}
	return n, nil
}

// log logs one line, head+tail. It is copied into a string: tail is the
// sandbox's buffer, and a zap core may keep a field past the call.
func (w *stderrLog) log(head, tail []byte, cut bool) {
	line := string(head) + string(tail)
	if cut {
		w.b.h.log.Info("plugin stderr", zap.String("line", line), zap.Bool("cut", true))
		return
	}
	w.b.h.log.Info("plugin stderr", zap.String("line", line))
}

// flush logs what is left of a line once the instance has ended, and the
// count of bytes dropped.
func (w *stderrLog) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		if w.b.take(len(w.buf)) {
			w.log(w.buf, nil, false)
		} else {
			w.b.drop(len(w.buf), false)
		}
		w.buf = w.buf[:0]
	}
	w.b.drop(0, true)
}
