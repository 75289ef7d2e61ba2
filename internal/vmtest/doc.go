//go:build linux

// Command vmtest runs the project's privileged tests inside a throwaway
// QEMU virtual machine that boots with a pure cgroup v2 hierarchy, so the
// cgroup v2 code paths are exercised on hosts (like ours and CI's) that run
// cgroups in v1 hybrid mode, without ever touching the host's hierarchies.
//
// Run it by hand, as root, from the module root:
//
//	go run ./internal/vmtest                          # the root package's tests
//	go run ./internal/vmtest -pkg . -pkg ./internal/cgroup -- -test.run 'Cgroup|Limit' -test.v
//	go run ./internal/vmtest -pkg ./internal/vmtest/testdata/probe -- -test.v
//
// Everything after "--" is passed to every test binary. The exit status is 0
// only if every test binary passed in the guest (go run reports any failure
// as exit status 1). Progress and per-phase timings (download, build, boot,
// tests) go to stderr, the guest console to stdout; -keep keeps the work
// directory with the initramfs for debugging.
//
// What it needs: Linux amd64, root, Go, and Debian's apt. It installs the
// packages qemu-system-x86 and busybox-static when they are missing (flag
// -install, on by default when CI=true; otherwise it says what to install),
// and fetches the kernel with "apt-get download linux-image-amd64" (its
// linux-image-6.x-amd64 dependency) into a cache directory (-cache, default
// $XDG_CACHE_HOME/sandbox-vmtest or ~/.cache/sandbox-vmtest) without
// installing it. The bzImage is decompressed to an uncompressed vmlinux
// (Debian uses xz; the host's xz binary does it), which QEMU boots through
// the PVH entry point; if extraction fails the bzImage is booted instead.
//
// How the guest is shaped: test binaries are built with CGO_ENABLED=0
// "go test -c" and packed, with a static busybox, the 9p/virtio/overlay
// kernel modules and a shell /init, into an uncompressed initramfs. The
// guest mounts the host's / read-only over virtio-9p with a tmpfs overlay
// on top and switches into it, so host tools (/usr/bin/true, gcc, python3,
// the Go toolchain) are available. /init mounts cgroup2 on /sys/fs/cgroup
// (nsdelegate,memory_recursiveprot), enables cpu io memory pids at the root
// and in /system.slice, moves itself into /init.scope and runs each test
// binary, in its package directory, the way systemd runs a service with
// Delegate=yes and DelegateSubgroup=main: the test process lives in
// /system.slice/test.service/main, test.service has the controllers enabled
// and carries trusted.delegate=1 (set with the host's python3), and the
// library makes its groups beside main. After each binary everything in
// test.service is killed (cgroup.kill) and main is made afresh for the next
// (init.sh says why). The tests can check where they run:
// SANDBOX_VMTEST=cgroup2 promises a pure cgroup v2 host (the root
// package's TestCgroupModeInVM fails otherwise). The environment is clean except for
// PATH (the host's, plus the Go toolchain's bin), HOME=/root,
// SANDBOX_VMTEST=cgroup2, CI (the host's, or true), GOTOOLCHAIN=local and
// any -env values. Each binary gets -test.timeout (-test-timeout, default
// 10m, as go test would) unless the test flags set one, since a test binary
// run directly has no timeout.
// Test output goes to the console (serial 0, copied to stdout); exit statuses
// come back over a second serial port. KVM is used only when /dev/kvm opens
// and the CPU has vmx/svm; otherwise QEMU's TCG emulation is used (about
// 2 s to boot, a small suite takes well under a minute), so keep time-based
// assertions generous under SANDBOX_VMTEST. -timeout (default 20m) kills
// QEMU if the guest hangs.
package main
