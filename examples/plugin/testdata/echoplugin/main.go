// Command echoplugin is the example plugin: it reads one JSON request per
// line on stdin and answers one JSON line on stdout.
//
//	{"id":1,"op":"upper","arg":"x"}  →  {"id":1,"result":"X"}
//
// Other ops misbehave on purpose: "crash" panics (exit 2), "hang" never
// answers, "alloc" touches arg MiB of memory before answering, "sleep"
// waits arg milliseconds before answering.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
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

var keep [][]byte // what "alloc" touched, kept alive

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "echoplugin: bad request:", err)
			continue
		}
		result, err := handle(req)
		resp := response{ID: req.ID, Result: result}
		if err != nil {
			resp.Error = err.Error()
		}
		enc.Encode(resp)
		out.Flush()
	}
}

func handle(req request) (string, error) {
	switch req.Op {
	case "upper":
		return strings.ToUpper(req.Arg), nil
	case "crash":
		panic("crash requested")
	case "hang":
		for {
			time.Sleep(time.Hour)
		}
	case "alloc", "sleep":
		n, err := strconv.Atoi(req.Arg)
		if err != nil {
			return "", err
		}
		if req.Op == "sleep" {
			fmt.Fprintln(os.Stderr, "sleeping", n) // the host logs it: the request is here
			time.Sleep(time.Duration(n) * time.Millisecond)
		} else {
			b := make([]byte, n<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		return "done", nil
	}
	return "", fmt.Errorf("unknown op %q", req.Op)
}
