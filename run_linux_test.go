package sandbox

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestExitStatuses(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	tests := []struct {
		script string
		status Status
		code   int
		signal syscall.Signal
	}{
		{"exit 0", OK, 0, 0},
		{"exit 3", NonZeroExit, 3, 0},
		{"kill -SEGV $$", Signaled, -1, syscall.SIGSEGV},
		{"kill -TERM $$", Signaled, -1, syscall.SIGTERM}, // not PID 1: the default action applies
		{"kill -PIPE $$", Signaled, -1, syscall.SIGPIPE},
	}
	for _, tt := range tests {
		res, out := run(t, New(), "sh", "-c", tt.script)
		if res.Status != tt.status || res.ExitCode != tt.code || res.Signal != tt.signal {
			t.Errorf("%q: %+v, want %v code %d signal %v\n%s", tt.script, res, tt.status, tt.code, tt.signal, out)
		}
	}
}

func TestStdio(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	// io.Reader stdin, separate io.Writer stdout and stderr.
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("sh", "-c", "tr a-z A-Z; echo err >&2")
	cmd.Stdin = strings.NewReader("hello")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if _, err := New().Run(cmd); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "HELLO" || stderr.String() != "err\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	// ExtraFiles, Dir and Env.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd = exec.Command("sh", "-c", `echo "$FOO $(pwd)" >&3`)
	cmd.ExtraFiles = []*os.File{w}
	cmd.Dir = "/tmp"
	cmd.Env = []string{"FOO=bar"}
	_, err = New().Run(cmd)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 100)
	n, _ := r.Read(b)
	if got := string(b[:n]); got != "bar /tmp\n" {
		t.Errorf("fd 3 got %q", got)
	}
}

func TestSetupErrors(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	missing := filepath.Join(t.TempDir(), "missing")
	// Files the command's execve refuses: it fails after the command has
	// sent its peak RSS, so init gets both records at once.
	progs := worldDir(t, "exec-")
	os.WriteFile(filepath.Join(progs, "noexec"), []byte("#!/bin/sh\ntrue\n"), 0o644)
	os.WriteFile(filepath.Join(progs, "garbage"), []byte("\x7fELF not a program\n"), 0o755)
	tests := []struct {
		name string
		sb   *Sandbox
		argv []string
		path string
		is   error
		msg  string // what else the message names
	}{
		{"missing chroot", New().Chroot(missing), []string{"true"}, missing, fs.ErrNotExist, ""},
		{"missing bind source", New().Bind(missing, "/x"), []string{"true"}, missing, fs.ErrNotExist, `bind on "/x"`},
		{"command not found", New(), []string{"no-such-command-xyz"}, "no-such-command-xyz", ErrCommandNotFound, ""},
		{"absolute command not found", New(), []string{"/no/such"}, "/no/such", fs.ErrNotExist, ""},
		{"not executable", New().Bind(progs, "/p"), []string{"/p/noexec"}, "/p/noexec", fs.ErrPermission, ""},
		{"not a program", New().Bind(progs, "/p"), []string{"/p/garbage"}, "/p/garbage", syscall.ENOEXEC, ""},
		// The path named is the directory that could not be made; the
		// message names the bind: source, destination and flags.
		{"mount point cannot be created", New().Bind("/etc/hostname", "/usr/no-such-dir/x"), []string{"true"}, "/usr/no-such-dir", fs.ErrNotExist,
			`bind "/etc/hostname" on "/usr/no-such-dir/x" (recursive, ro, nosuid, nodev)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, _, err := runErr(context.Background(), tt.sb, tt.argv...)
			var se *SetupError
			if !errors.As(err, &se) {
				t.Fatalf("Run = %+v, %v; want a *SetupError", res, err)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("%v is not %v", err, tt.is)
			}
			if se.Path != tt.path || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q: path %q, want %q", err, se.Path, tt.path)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not name %s", err, tt.msg)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestStartWaitKill(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	p, err := New().Start(exec.Command("sleep", "1000"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid() <= 0 {
		t.Errorf("Pid() = %d", p.Pid())
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Killed || res.Signal != syscall.SIGKILL {
		t.Errorf("result %+v", res)
	}
	if res2, _ := p.Wait(); res2 != res {
		t.Errorf("second Wait returned another result")
	}
}

// TestRunContextKillsTree: cancellation kills a tree that double-forked and
// left the session.
func TestRunContextKillsTree(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	marker := "1000.123"
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	res, out, err := runErr(ctx, New(), "sh", "-c", "(setsid sleep "+marker+" &); (sleep "+marker+" &); sleep "+marker)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled\n%s", err, out)
	}
	if res == nil || res.Status != Killed {
		t.Fatalf("result %+v", res)
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(processesWith(marker)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("processes survived: %v", processesWith(marker))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWallTimeLimit(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	res, _ := run(t, New().WallTimeLimit(200*time.Millisecond), "sleep", "10")
	if res.Status != WallTimeLimitExceeded {
		t.Errorf("status %v", res.Status)
	}
	if res.WallTime < 200*time.Millisecond || res.WallTime > 2*time.Second {
		t.Errorf("wall time %v", res.WallTime)
	}
}

func TestChroot(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	root := t.TempDir()
	os.Chmod(root, 0o755)
	data, err := os.ReadFile(filepath.Join(probe(t), "probe"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "probe"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hi"), 0o644)
	os.Symlink("/etc", filepath.Join(root, "link"))
	res, out := run(t, New().Chroot(root), "/probe", "ls", "/")
	if res.Status != OK || strings.Fields(out)[0] == "" {
		t.Fatalf("%v %s", res.Status, out)
	}
	if got := strings.Join(strings.Fields(out), " "); got != "dev hello.txt link probe proc tmp" {
		t.Errorf("root holds %q", got)
	}
	res, out = run(t, New().Chroot(root), "/probe", "write", "/hello.txt")
	if res.Status != NonZeroExit {
		t.Errorf("chroot is writable: %v %s", res.Status, out)
	}
	// The chroot directory is never modified.
	ents, _ := os.ReadDir(root)
	if len(ents) != 3 {
		t.Errorf("chroot dir now has %d entries", len(ents))
	}
	// A destination through one of the root's symbolic links is refused.
	_, _, err = runErr(context.Background(), New().Chroot(root).Bind(root, "/link/x"), "/probe", "ls", "/")
	var se *SetupError
	if !errors.As(err, &se) || se.Path != "/link/x" {
		t.Errorf("bind through a symlink: %v", err)
	}
}

func TestBindAndTmpfs(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("data"), 0o644)
	sb := New().Bind(dir, "/ro").BindWritable(dir, "/rw").Tmpfs("/scratch", 1<<20)
	res, out := run(t, sb, "sh", "-c", "cat /ro/in.txt; ! touch /ro/x 2>/dev/null && touch /rw/out.txt && head -c 2000000 /dev/zero > /scratch/big; echo $?")
	if res.Status != OK || !strings.HasPrefix(out, "data") || !strings.HasSuffix(out, "1\n") {
		t.Errorf("%v %q", res.Status, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.txt")); err != nil {
		t.Errorf("write through BindWritable not visible: %v", err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := New()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, out, err := runErr(context.Background(), sb, "echo", "ok")
			if err != nil || res.Status != OK || out != "ok\n" {
				errs <- errors.Join(err, errors.New(out))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSequentialRunsLeakNothing(t *testing.T) {
	requireRoot(t)
	fds, mounts := countFDs(), countMounts()
	checkLeaks(t)
	sb := New()
	for i := 0; i < 200; i++ {
		res, _ := run(t, sb, "true")
		if res.Status != OK {
			t.Fatalf("run %d: %v", i, res.Status)
		}
	}
	sb.Close() // the idle network namespace it keeps
	if f, m := countFDs(), countMounts(); f > fds || m != mounts {
		t.Errorf("after 200 runs: fds %d→%d, mounts %d→%d", fds, f, mounts, m)
	}
}
