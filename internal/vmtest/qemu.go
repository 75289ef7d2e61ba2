//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// kernelCmdline: tsc=reliable keeps the TSC clocksource under TCG (the
// emulated HPET makes Go's nanotime 10x slower); panic=-1 with -no-reboot
// ends QEMU on a guest panic.
const kernelCmdline = "console=ttyS0 quiet loglevel=3 tsc=reliable panic=-1 rdinit=/init mitigations=off"

// accel picks kvm only where it can work: /dev/kvm opens and the CPU has
// vmx or svm (a paravirtual /dev/kvm without them runs only its own kernels).
func accel() string {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "tcg"
	}
	hw := false
	for _, line := range strings.Split(string(info), "\n") {
		if strings.HasPrefix(line, "flags") {
			for _, f := range strings.Fields(line) {
				hw = hw || f == "vmx" || f == "svm"
			}
			break
		}
	}
	if !hw {
		return "tcg"
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	return "kvm"
}

// vmConfig is one QEMU run.
type vmConfig struct {
	Kernel, Initrd, StatusFile string
	Accel, Memory              string
	CPUs                       int
	Timeout                    time.Duration
}

func (c vmConfig) args() []string {
	a := []string{
		"-nodefaults", "-display", "none", "-no-reboot",
		"-accel", c.Accel, "-m", c.Memory, "-smp", strconv.Itoa(c.CPUs),
		"-kernel", c.Kernel, "-initrd", c.Initrd, "-append", kernelCmdline,
		"-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
		"-serial", "file:" + c.StatusFile,
		"-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
	}
	if c.Accel == "kvm" {
		a = append(a, "-cpu", "host")
	}
	return a
}

// runVM boots the guest; the console goes to stdout. It returns when QEMU
// exits, or kills QEMU when ctx ends or the timeout passes.
func runVM(ctx context.Context, c vmConfig) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", c.args()...)
	cmd.Stdin = nil // /dev/null: QEMU leaves the terminal alone
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timeout: QEMU killed after %v", c.Timeout)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: QEMU killed")
	}
	if err != nil {
		return fmt.Errorf("qemu-system-x86_64: %w", err)
	}
	return nil
}

// guestStatus is what the guest reported on its status port.
type guestStatus struct {
	Ready, Done float64 // guest uptime in seconds; -1 if never reached
	Results     []testResult
	Failure     string
}

type testResult struct {
	Name string
	Code int
	At   float64
}

func readStatus(path string) (guestStatus, error) {
	s := guestStatus{Ready: -1, Done: -1}
	f, err := os.Open(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		last, _ := strconv.ParseFloat(fs[len(fs)-1], 64)
		switch {
		case fs[0] == "ready" && len(fs) == 2:
			s.Ready = last
		case fs[0] == "done" && len(fs) == 2:
			s.Done = last
		case fs[0] == "test" && len(fs) == 4:
			code, err := strconv.Atoi(fs[2])
			if err != nil {
				return s, fmt.Errorf("bad status line %q", sc.Text())
			}
			s.Results = append(s.Results, testResult{fs[1], code, last})
		case fs[0] == "fail":
			s.Failure = strings.Join(fs, " ")
		}
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	if s.Failure != "" {
		return s, errors.New("guest init failed: " + s.Failure)
	}
	return s, nil
}
