//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// TestJudgeTableEscapes: a compile log that quotes raw ESC, CR and C1
// bytes from the source (gcc's #error, Python's SyntaxError) reaches the
// table escaped: no control character but the table's own newlines and
// tabs, no bidirectional override.
func TestJudgeTableEscapes(t *testing.T) {
	requireRoot(t)
	for _, src := range []string{"testdata/sub/ce_escape.c", "testdata/sub/ce_escape.py"} {
		rep, err := Judge(context.Background(), Config{Lang: languageOf(src), Source: src, TestsDir: "testdata/sum",
			TimeLimit: time.Second, MemoryLimit: 256 << 20})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var table bytes.Buffer
		if err := rep.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != CE {
			t.Errorf("%s: verdict %s, want CE", src, rep.Verdict)
		}
		if err := terminalSafe(table.String()); err != "" {
			t.Errorf("%s: the table has %s:\n%q", src, err, table.String())
		}
		if !strings.Contains(table.String(), `\x1b[2J`) {
			t.Errorf("%s: the escape sequence is not shown escaped:\n%s", src, table.String())
		}
	}
}

// terminalSafe names the first thing in s a terminal would act on, or "".
func terminalSafe(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case unicode.IsControl(r):
			return fmt.Sprintf("control character %U", r)
		case unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029':
			return "a bidirectional or line-separator character"
		}
	}
	return ""
}

func TestPrintable(t *testing.T) {
	for _, c := range []struct{ in, multi, single string }{
		{"plain text", "plain text", "plain text"},
		{"a\tb\nc", "a\tb\nc", `a\x09b\x0ac`},
		{"\x1b[2J\x1b[32mAC", `\x1b[2J\x1b[32mAC`, `\x1b[2J\x1b[32mAC`},
		{"over\rwrite\x7f\x00", `over\x0dwrite\x7f\x00`, `over\x0dwrite\x7f\x00`},
		{"c1 \u009b2J", `c1 \u009b2J`, `c1 \u009b2J`},
		{"bidi \u202eCA\u2066", `bidi \u202eCA\u2066`, `bidi \u202eCA\u2066`},
		{"bad \xff\xc2 utf-8", `bad \xff\xc2 utf-8`, `bad \xff\xc2 utf-8`},
		{"ünïcode ✓", "ünïcode ✓", "ünïcode ✓"},
	} {
		if got := printable(c.in, true); got != c.multi {
			t.Errorf("printable(%q, true) = %q, want %q", c.in, got, c.multi)
		}
		if got := printable(c.in, false); got != c.single {
			t.Errorf("printable(%q, false) = %q, want %q", c.in, got, c.single)
		}
	}
}

// TestJudgeHostileCompileOutput: the compile step's output directory is
// hostile input. A compile step that leaves a symbolic link (to a host
// file, or to a program of the sandbox), a FIFO or a directory where the
// program should be gets CE; nothing is run and the judge neither follows
// the link on the host nor blocks on the FIFO. The "compiler" here is a
// shell script: what a compiler exploit could do.
func TestJudgeHostileCompileOutput(t *testing.T) {
	requireRoot(t)
	leftovers := checkLeftovers(t)
	host := filepath.Join(t.TempDir(), "host-program")
	if err := os.WriteFile(host, []byte("#!/bin/sh\necho PWNED\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, script string }{
		{"symlink-to-host", "ln -s " + host + " " + outDir + "/sol"},
		{"symlink-in-box", "ln -s /usr/bin/true " + outDir + "/sol"},
		{"fifo", "mkfifo " + outDir + "/sol"},
		{"directory", "mkdir " + outDir + "/sol"},
		{"nothing", "true"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := judgeWithCompiler(t, c.script)
			if rep.Verdict != CE || len(rep.Tests) != 0 {
				t.Errorf("verdict %s after %d tests (%+v), want CE and no test run", rep.Verdict, len(rep.Tests), rep.Compile)
			}
			t.Logf("compile: %s(%s)", rep.Compile.Verdict, rep.Compile.Detail)
		})
		leftovers.check(t, c.name)
	}
}

// judgeWithCompiler judges a C-like submission whose compile step is the
// shell script given.
func judgeWithCompiler(t *testing.T, script string) *Report {
	t.Helper()
	src := filepath.Join(t.TempDir(), "sol.sh")
	if err := os.WriteFile(src, []byte(script+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lang := languages["c"]
	lang.name, lang.srcName = "hostile-compiler", "sol.sh"
	lang.compile = []string{"/bin/sh", srcDir + "/sol.sh"}
	languages[lang.name] = lang
	defer delete(languages, lang.name)
	done := make(chan struct{})
	var rep *Report
	var err error
	go func() {
		defer close(done)
		rep, err = Judge(context.Background(), Config{Lang: lang.name, Source: src, TestsDir: "testdata/sum",
			TimeLimit: time.Second, MemoryLimit: 64 << 20})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the judge hangs on the compile step's output")
	}
	if err != nil {
		t.Fatalf("Judge: %v", err)
	}
	return rep
}

// TestTakeProgram: the run gets a copy of the compiled program, owned by
// the judge and mode 0555, that a handle the compile step kept open on
// the original cannot change.
func TestTakeProgram(t *testing.T) {
	root := t.TempDir()
	w := workDir{root: root, out: filepath.Join(root, "out"), bin: filepath.Join(root, "bin")}
	for _, d := range []string{w.out, w.bin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	orig := filepath.Join(w.out, "sol")
	if err := os.WriteFile(orig, []byte("the program"), 0o4777); err != nil {
		t.Fatal(err)
	}
	kept, err := os.OpenFile(orig, os.O_WRONLY, 0) // a writer the compile step left
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	if err := takeProgram(w, "sol"); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.WriteAt([]byte("PWNED"), 0); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(w.bin, "sol"))
	if err != nil || string(got) != "the program" {
		t.Errorf("the copy holds %q, %v; want the program as compiled", got, err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(w.bin, "sol"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o555 || int(st.Uid) != os.Getuid() {
		t.Errorf("the copy has mode %o, owner %d; want 555, %d", st.Mode&0o7777, st.Uid, os.Getuid())
	}
}
