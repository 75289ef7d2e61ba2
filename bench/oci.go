//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ociRunner runs the static true as a container through crun, runc or
// runsc, from a minimal bundle (the runtime's own `spec`, with args
// ["/true"], no terminal, and a rootfs holding only the static true) and a
// private state directory, both under the temp dir. flags go before the
// runtime's run command.
func (e *env) ociRunner(ctx context.Context, name string, flags ...string) (*runner, error) {
	bin, err := e.lookOrInstall(name, name)
	if err != nil {
		return nil, err
	}
	bundle := filepath.Join(e.dir, "bundle-"+name)
	state := filepath.Join(e.dir, "state-"+name)
	if err := writeBundle(bin, bundle); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(state, 0o700); err != nil {
		return nil, err
	}
	var seq atomic.Int64
	var launch *nsLauncher
	args := func() []string {
		id := fmt.Sprintf("sbxbench-%d-%d", os.Getpid(), seq.Add(1))
		return append(append([]string{"--root", state}, flags...), "run", "--bundle", bundle, id)
	}
	run := func() error {
		a := args()
		cmd := exec.Command(bin, a...)
		var err error
		if launch != nil {
			err = launch.start(cmd)
		} else {
			err = cmd.Start()
		}
		if err == nil {
			err = cmd.Wait()
		}
		if err != nil {
			return explainOCI(err, launch, bin, a)
		}
		return nil
	}
	r := &runner{name: name, run: run}
	r.close = func() {
		if launch != nil {
			launch.close()
		}
		deleteLeftovers(bin, state)
	}
	// crun refuses a cgroup v1 "hybrid" host whose cgroup2 mount has
	// controllers ("cgroups in hybrid mode not supported, drop all
	// controllers from cgroupv2"). The workaround: start crun from a
	// thread in a private mount namespace where that mount is detached.
	// It costs nothing per run.
	if err := run(); err != nil && strings.Contains(err.Error(), "hybrid mode") {
		l, lerr := newHybridLauncher()
		if lerr != nil {
			return nil, fmt.Errorf("%v; workaround failed: %v", err, lerr)
		}
		launch = l
		r.name = name + " (hybrid workaround)"
		e.log("%s: %v; starting it with /sys/fs/cgroup/unified detached in a private mount namespace", name, err)
	}
	return r, nil
}

// explainOCI runs a failed command once more with its output kept.
func explainOCI(err error, l *nsLauncher, bin string, args []string) error {
	var out strings.Builder
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if l != nil {
		if l.start(cmd) == nil {
			cmd.Wait()
		}
	} else {
		cmd.Run()
	}
	msg := strings.TrimSpace(out.String())
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return fmt.Errorf("%s: %w: %s", filepath.Base(bin), err, msg)
}

// writeBundle writes a minimal OCI bundle into dir.
func writeBundle(bin, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		return err
	}
	spec := exec.Command(bin, "spec")
	spec.Dir = dir
	if out, err := spec.CombinedOutput(); err != nil {
		return fmt.Errorf("%s spec: %v: %s", bin, err, out)
	}
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	proc, _ := cfg["process"].(map[string]any)
	if proc == nil {
		return fmt.Errorf("%s: no process section", path)
	}
	proc["args"] = []string{"/true"}
	proc["terminal"] = false
	cfg["root"] = map[string]any{"path": "rootfs", "readonly": true}
	if data, err = json.MarshalIndent(cfg, "", "\t"); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	true_, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "true"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "rootfs", "true"), true_, 0o755)
}

// deleteLeftovers force-deletes any container still in the state dir (a
// run that failed mid-way).
func deleteLeftovers(bin, state string) {
	ents, _ := os.ReadDir(state)
	for _, ent := range ents {
		if ent.IsDir() {
			exec.Command(bin, "--root", state, "delete", "--force", ent.Name()).Run()
		}
	}
}

// nsLauncher starts commands from one OS thread that lives in a private
// mount namespace without /sys/fs/cgroup/unified. Only the fork happens on
// that thread; callers wait for their command themselves.
type nsLauncher struct {
	req chan launchReq
}

type launchReq struct {
	cmd   *exec.Cmd
	reply chan error
}

func newHybridLauncher() (*nsLauncher, error) {
	l := &nsLauncher{req: make(chan launchReq)}
	ready := make(chan error, 1)
	go func() {
		// Never unlocked: the runtime ends the thread with the goroutine,
		// so its mount namespace cannot leak to other goroutines.
		runtime.LockOSThread()
		err := unix.Unshare(unix.CLONE_NEWNS)
		if err != nil {
			err = fmt.Errorf("unshare(CLONE_NEWNS): %w", err)
		} else if err = unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			// Private first, so the unmount cannot propagate to the host.
			err = fmt.Errorf("make / rprivate: %w", err)
		} else if err = unix.Unmount("/sys/fs/cgroup/unified", unix.MNT_DETACH); err != nil {
			err = fmt.Errorf("umount /sys/fs/cgroup/unified: %w", err)
		}
		ready <- err
		if err != nil {
			return
		}
		for r := range l.req {
			r.reply <- r.cmd.Start()
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return l, nil
}

func (l *nsLauncher) start(cmd *exec.Cmd) error {
	reply := make(chan error, 1)
	l.req <- launchReq{cmd, reply}
	return <-reply
}

func (l *nsLauncher) close() { close(l.req) }
