package sandbox

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
)

// netCheck is what a network namespace must show to be reused: the text of
// each of its files as in a pristine namespace (made, loopback up, nothing
// else). Any difference is a trace of an earlier run: a counter it raised,
// a socket or a flow label it left.
type netCheck struct {
	dir   string // where the files are: /proc/thread-self/net
	files []netFile
}

// netFile is one file of a netCheck.
type netFile struct {
	name string
	want []byte // the pristine text
	// absent: a pristine namespace has no such file (no IPv6, say).
	absent bool
	// counters: a sockstat file, compared word by word except for the
	// numbers after "orphan", "alloc" and "mem", which the kernel counts
	// for all namespaces together.
	counters bool
}

// dirty says whether the namespace nc.dir shows differs from nc: a file
// differs from its pristine text, is there though a pristine namespace has
// none, or cannot be read.
func (nc *netCheck) dirty() bool {
	if nc == nil {
		return true
	}
	bp := netReadBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 { // not one a file full of a run's traces grew
			netReadBufs.Put(bp)
		}
	}()
	for _, f := range nc.files {
		got, err := appendFile((*bp)[:0], filepath.Join(nc.dir, f.name))
		*bp = got[:0] // grown, for the next file
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if !f.absent {
				return true
			}
		case err != nil || f.absent:
			return true
		case f.counters:
			if !sameCounters(got, f.want) {
				return true
			}
		case !bytes.Equal(got, f.want):
			return true
		}
	}
	return false
}

// netReadBufs are the buffers dirty reads the files into: a check runs
// after every run that had a pooled namespace, and os.ReadFile made it
// allocate some 37 KiB each time.
var netReadBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// sameCounters compares a sockstat text with the pristine one word by
// word, except the word after "orphan", "alloc" or "mem" (counters of
// every namespace together, which other sandboxes and the host change).
func sameCounters(got, want []byte) bool {
	var prev []byte
	for {
		var g, w []byte
		g, got = nextWord(got)
		w, want = nextWord(want)
		if g == nil || w == nil {
			return g == nil && w == nil
		}
		if !globalCounter(prev) && !bytes.Equal(g, w) {
			return false
		}
		prev = w
	}
}

// nextWord returns the first word of b (split at ASCII white space, as
// the kernel's files are) and what follows it; no word is nil.
func nextWord(b []byte) (word, rest []byte) {
	i := 0
	for i < len(b) && asciiSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && !asciiSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// globalCounter says whether word names one of sockstat's counters for all
// namespaces together.
func globalCounter(word []byte) bool {
	switch string(word) {
	case "orphan", "alloc", "mem":
		return true
	}
	return false
}
