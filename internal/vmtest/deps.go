//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// hostPackages are the Debian packages the runner needs on the host. The
// initramfs is written by the runner itself, so cpio is not needed.
var hostPackages = []string{"qemu-system-x86", "busybox-static"}

// busyboxPath is where busybox-static installs its binary.
const busyboxPath = "/bin/busybox"

// missingPackages returns the packages of want that dpkg says are not
// installed.
func missingPackages(want []string) []string {
	var missing []string
	for _, p := range want {
		out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", p).Output()
		if err != nil || !strings.Contains(string(out), "install ok installed") {
			missing = append(missing, p)
		}
	}
	return missing
}

// ensurePackages installs the missing host packages when install is true
// (running apt-get update only if the install fails without it), or returns
// an error that says what to install.
func ensurePackages(install bool) error {
	missing := missingPackages(hostPackages)
	if len(missing) == 0 {
		return checkBusybox()
	}
	if !install {
		return fmt.Errorf("missing Debian packages %s: run 'apt-get install %s' or pass -install",
			strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("missing Debian packages %s and not root to install them", strings.Join(missing, ", "))
	}
	logf("installing %s", strings.Join(missing, " "))
	if err := aptInstall(missing); err != nil {
		logf("apt-get install failed (%v); running apt-get update", err)
		if err := run("apt-get", "update", "-qq"); err != nil {
			return fmt.Errorf("apt-get update: %w", err)
		}
		if err := aptInstall(missing); err != nil {
			return fmt.Errorf("apt-get install %s: %w", strings.Join(missing, " "), err)
		}
	}
	return checkBusybox()
}

func aptInstall(pkgs []string) error {
	args := append([]string{"install", "-y", "-qq", "--no-install-recommends"}, pkgs...)
	cmd := exec.Command("apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	// dpkg is chatty even with -qq: show its output only when it fails.
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		return err
	}
	return nil
}

func checkBusybox() error {
	if _, err := os.Stat(busyboxPath); err != nil {
		return fmt.Errorf("static busybox not found at %s (package busybox-static): %w", busyboxPath, err)
	}
	return nil
}

// run runs a command with its output on stderr.
func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
