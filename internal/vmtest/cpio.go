//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// cpioEntry is one file, directory or symlink of the initramfs.
type cpioEntry struct {
	Mode uint32 // including the type bits
	Data []byte // file contents or symlink target
	Src  string // for files: a host file to copy instead of Data
}

const (
	cpioDir  = 0o040000
	cpioFile = 0o100000
	cpioLink = 0o120000
)

// writeCpio writes a "newc" archive of entries (keyed by path without a
// leading slash) to w, parents first. Missing parent directories are added.
func writeCpio(w io.Writer, entries map[string]cpioEntry) error {
	all := map[string]cpioEntry{}
	for name, e := range entries {
		name = strings.TrimPrefix(name, "/")
		all[name] = e
		for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
			if _, ok := all[d]; !ok {
				all[d] = cpioEntry{Mode: cpioDir | 0o755}
			}
		}
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names) // a parent sorts before its children
	bw := bufio.NewWriterSize(w, 1<<20)
	ino := uint32(1)
	for _, n := range names {
		e := all[n]
		var body io.Reader
		size := int64(len(e.Data))
		if e.Src != "" {
			f, err := os.Open(e.Src)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			size, body = st.Size(), f
		} else {
			body = strings.NewReader(string(e.Data))
		}
		if err := cpioRecord(bw, n, e.Mode, ino, size, body); err != nil {
			return fmt.Errorf("initramfs %s: %w", n, err)
		}
		ino++
	}
	if err := cpioRecord(bw, "TRAILER!!!", 0, 0, 0, strings.NewReader("")); err != nil {
		return err
	}
	return bw.Flush()
}

func cpioRecord(w *bufio.Writer, name string, mode, ino uint32, size int64, body io.Reader) error {
	nlink := 1
	if mode&cpioDir == cpioDir && mode&cpioFile == 0 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name)+1, 0)
	if _, err := w.WriteString(hdr + name + "\x00"); err != nil {
		return err
	}
	pad(w, len(hdr)+len(name)+1)
	n, err := io.CopyN(w, body, size)
	if err != nil {
		return err
	}
	pad(w, int(n))
	return nil
}

// pad aligns to 4 bytes.
func pad(w *bufio.Writer, n int) {
	for ; n%4 != 0; n++ {
		_ = w.WriteByte(0)
	}
}
