package sandbox

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
	for _, f := range nc.files {
		got, err := os.ReadFile(filepath.Join(nc.dir, f.name))
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

// sameCounters compares a sockstat text with the pristine one word by
// word, except the word after "orphan", "alloc" or "mem" (counters of
// every namespace together, which other sandboxes and the host change).
func sameCounters(got, want []byte) bool {
	g, w := bytes.Fields(got), bytes.Fields(want)
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if i > 0 && globalCounter(w[i-1]) {
			continue
		}
		if !bytes.Equal(g[i], w[i]) {
			return false
		}
	}
	return true
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
