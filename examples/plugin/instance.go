package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/sandboxkit/sandbox"
)

// request and response are the protocol: one JSON object per line.
type request struct {
	ID  uint64 `json:"id"`
	Op  string `json:"op"`
	Arg string `json:"arg"`
}

type response struct {
	ID     uint64 `json:"id"`
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// instance is one run of the plugin.
type instance struct {
	h       *Host
	proc    *sandbox.Process
	stdin   *os.File
	stdoutW *os.File // the write end of its stdout, closed after Wait
	stderr  *stderrLog
	wmu     sync.Mutex // one request line at a time
	started time.Time
	done    chan struct{} // closed once the plugin is gone

	mu       sync.Mutex
	pending  map[uint64]chan response
	reason   string // why we killed it, or how it ended
	killed   bool   // kill was called
	violated bool   // it broke the protocol
	ended    bool   // Wait returned
}

func (i *instance) register(id uint64) (chan response, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.ended {
		return nil, fmt.Errorf("plugin: %w (%s)", ErrPluginExited, i.reason)
	}
	ch := make(chan response, 1)
	i.pending[id] = ch
	return ch, nil
}

func (i *instance) unregister(id uint64) {
	i.mu.Lock()
	delete(i.pending, id)
	i.mu.Unlock()
}

// send writes one request line, giving up when ctx ends.
func (i *instance) send(ctx context.Context, req request) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	i.wmu.Lock()
	defer i.wmu.Unlock()
	deadline, _ := ctx.Deadline() // zero: no deadline
	i.stdin.SetWriteDeadline(deadline)
	_, err = i.stdin.Write(append(line, '\n'))
	return err
}

// kill stops the plugin, recording the first reason given.
func (i *instance) kill(reason string) {
	i.mu.Lock()
	if i.reason == "" {
		i.reason = reason
	}
	i.killed = true
	i.mu.Unlock()
	i.proc.Kill()
}

// breakProtocol stops a plugin that broke the protocol and counts the
// violation against the host's backoff.
func (i *instance) breakProtocol(what string) {
	i.mu.Lock()
	first := !i.violated && !i.killed
	i.violated = i.violated || first
	i.mu.Unlock()
	if first {
		i.h.violated()
	}
	i.kill("protocol: " + what)
}

// violation says whether the plugin was stopped for breaking the protocol.
func (i *instance) violation() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.violated
}

// dying says whether the plugin was killed or has ended.
func (i *instance) dying() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.killed || i.ended
}

func (i *instance) why() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.reason
}

// readLoop hands each answer line to the call waiting for its id. A line
// that is not an answer, too long, or an answer to an id no call is
// waiting for breaks the protocol: the plugin is stopped at the first, so
// a flood of answers costs the host one line. (No call outlives its
// plugin while waiting: a call that gives up kills it, so every answer
// the plugin may send has a caller.)
func (i *instance) readLoop(out *os.File) {
	defer out.Close()
	r := bufio.NewReaderSize(out, 64<<10)
	for {
		line, err := readLine(r, i.h.cfg.MaxLine)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				i.breakProtocol(err.Error())
			}
			return
		}
		var resp response
		if err := json.Unmarshal(line, &resp); err != nil {
			i.breakProtocol("bad answer: " + err.Error())
			return
		}
		i.mu.Lock()
		ch := i.pending[resp.ID]
		delete(i.pending, resp.ID)
		i.mu.Unlock()
		if ch == nil {
			i.breakProtocol(fmt.Sprintf("answer to unknown id %d", resp.ID))
			return
		}
		ch <- resp
	}
}

// readLine reads one line of at most max bytes, without its newline.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max+1 {
			return nil, fmt.Errorf("answer longer than %d bytes", max)
		}
		switch {
		case err == nil:
			return bytes.TrimRight(line, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// waitLoop waits for the plugin to end, detaches it from the host (so the
// next call starts a new one) and only then fails its pending calls.
func (i *instance) waitLoop() {
	res, err := i.proc.Wait()
	i.stdin.Close()
	i.stdoutW.Close() // the read loop sees the end
	i.stderr.flush()
	i.mu.Lock()
	i.ended = true
	if i.reason == "" {
		i.reason = endReason(res)
	}
	i.mu.Unlock()
	backoff, closed := i.h.detach(i)
	close(i.done)
	i.h.logEnd(i, res, err, backoff, closed)
}

// endReason names how a plugin we did not kill ended.
func endReason(res *sandbox.Result) string {
	if res == nil {
		return "lost"
	}
	switch res.Status {
	case sandbox.OK:
		return "exited"
	case sandbox.NonZeroExit, sandbox.Signaled:
		return "crash"
	case sandbox.Killed:
		return "killed"
	}
	return "limit" // memory, CPU time, wall time or output
}
