// Command hostileplugin is a plugin that attacks its host. It speaks the
// host's protocol (see echoplugin: "upper" answers) and, depending on its
// one argument, misbehaves from the moment it starts:
//
//	stderr-flood  writes 64-byte lines to stderr as fast as it can
//	stdout-flood  writes answers with ids nobody asked for, as fast as it can
//	unknown-id    answers each request, then sends an answer with an id
//	              nobody asked for
//	trace         adds two ops: "leave" leaves traces where a next instance
//	              of the plugin might find them, "look" reports which it
//	              finds (see traces.go)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
)

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

var (
	outMu sync.Mutex
	out   = bufio.NewWriterSize(os.Stdout, 64<<10)
)

func answer(r response) {
	line, _ := json.Marshal(r)
	outMu.Lock()
	out.Write(append(line, '\n'))
	out.Flush()
	outMu.Unlock()
}

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "stderr-flood":
		go floodStderr()
	case "stdout-flood":
		go floodStdout()
	case "unknown-id", "trace":
	default:
		fmt.Fprintf(os.Stderr, "hostileplugin: unknown mode %q\n", mode)
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			continue
		}
		resp := response{ID: req.ID}
		switch {
		case req.Op == "upper":
			resp.Result = strings.ToUpper(req.Arg)
		case req.Op == "leave" && mode == "trace":
			resp.Result = leaveTraces()
		case req.Op == "look" && mode == "trace":
			resp.Result = lookForTraces()
		default:
			resp.Error = "unknown op " + req.Op
		}
		answer(resp)
		if mode == "unknown-id" {
			answer(response{ID: req.ID + 1<<40, Result: "nobody asked"})
		}
	}
}

// floodStderr writes 64 KiB at a time of short lines: the most log entries
// per byte a line-based logger can be made to write.
func floodStderr() {
	line := strings.Repeat("x", 63) + "\n"
	buf := []byte(strings.Repeat(line, 1024))
	for {
		if _, err := os.Stderr.Write(buf); err != nil {
			os.Exit(3)
		}
	}
}

// floodStdout writes well-formed answers to requests never made.
func floodStdout() {
	var buf []byte
	for id := uint64(1 << 50); ; id++ {
		buf = fmt.Appendf(buf, `{"id":%d,"result":"bogus"}`+"\n", id)
		if len(buf) < 60<<10 {
			continue
		}
		outMu.Lock()
		out.Write(buf)
		err := out.Flush()
		outMu.Unlock()
		if err != nil {
			os.Exit(3)
		}
		buf = buf[:0]
	}
}
