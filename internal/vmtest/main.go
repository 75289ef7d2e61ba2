//go:build linux

package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

//go:embed init.sh
var initScript string

var start = time.Now()

// logf prints a timestamped progress line to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "vmtest [%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	os.Exit(realMain())
}

func realMain() int {
	var pkgs, extraEnv listFlag
	flag.Var(&pkgs, "pkg", "package whose tests run in the VM (repeatable; default .)")
	flag.Var(&extraEnv, "env", "extra KEY=VALUE for the tests in the guest (repeatable)")
	install := flag.Bool("install", os.Getenv("CI") == "true", "apt-get install missing host packages")
	cache := flag.String("cache", defaultCache(), "cache directory for the kernel")
	timeout := flag.Duration("timeout", 20*time.Minute, "kill QEMU after this long")
	mem := flag.String("m", "2G", "guest memory")
	cpus := flag.Int("smp", 2, "guest CPUs")
	testTimeout := flag.Duration("test-timeout", 10*time.Minute,
		"-test.timeout for each binary unless the test flags set one (a test binary run directly has none)")
	keep := flag.Bool("keep", false, "keep the work directory (initramfs, binaries)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run ./internal/vmtest [flags] [-- test flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	testArgs := withTestTimeout(flag.Args(), *testTimeout)
	if len(pkgs) == 0 {
		pkgs = listFlag{"."}
	}
	for _, a := range testArgs {
		if strings.ContainsAny(a, "\n\x00") {
			return fail("test flag %q: newlines are not supported", a)
		}
	}
	if os.Geteuid() != 0 {
		return fail("must run as root (QEMU shares the host's / read-only with the guest)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	t := time.Now()
	if err := ensurePackages(*install); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return fail("cache: %v", err)
	}
	unlock, err := lockDir(*cache)
	if err != nil {
		return fail("cache lock: %v", err)
	}
	k, err := ensureKernel(*cache)
	unlock()
	if err != nil {
		return fail("kernel: %v", err)
	}
	mods, err := resolveModules(k, guestModules)
	if err != nil {
		return fail("kernel modules: %v", err)
	}
	logf("phase download: %.1fs (kernel %s, boot image %s)", time.Since(t).Seconds(), k.Release, filepath.Base(k.Boot))

	t = time.Now()
	work, err := os.MkdirTemp("", "vmtest-")
	if err != nil {
		return fail("%v", err)
	}
	if *keep {
		logf("work directory %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := buildTests(pkgs, work)
	if err != nil {
		return fail("build: %v", err)
	}
	initrd := filepath.Join(work, "initrd.cpio")
	if err := buildInitramfs(initrd, mods, bins, guestEnv(extraEnv), testArgs); err != nil {
		return fail("initramfs: %v", err)
	}
	logf("phase build: %.1fs (%d test binaries)", time.Since(t).Seconds(), len(bins))

	cfg := vmConfig{
		Kernel: k.Boot, Initrd: initrd, StatusFile: filepath.Join(work, "status"),
		Accel: accel(), Memory: *mem, CPUs: *cpus, Timeout: *timeout,
	}
	t = time.Now()
	logf("booting (accel %s, %s, %d CPUs)", cfg.Accel, cfg.Memory, cfg.CPUs)
	vmErr := runVM(ctx, cfg)
	total := time.Since(t).Seconds()
	st, stErr := readStatus(cfg.StatusFile)
	if st.Ready >= 0 {
		logf("phase boot: %.1fs (guest uptime when the tests started)", st.Ready)
		if st.Done >= 0 {
			logf("phase tests: %.1fs", st.Done-st.Ready)
		}
	}
	logf("phase vm total: %.1fs", total)
	return summarize(bins, st, firstErr(vmErr, stErr))
}

// buildInitramfs writes one uncompressed cpio: busybox, /init, the modules
// and, under /vmtest, the test binaries and their wrappers.
func buildInitramfs(out string, mods []string, bins []testBinary, env, testArgs []string) error {
	e := map[string]cpioEntry{
		"bin/busybox": {Mode: cpioFile | 0o755, Src: busyboxPath},
		"init":        {Mode: cpioFile | 0o755, Data: []byte(initScript)},
		"vmtest/init": {Mode: cpioFile | 0o755, Data: []byte(initScript)},
	}
	var modList, tests strings.Builder
	for _, m := range mods {
		name := "lib/modules/" + filepath.Base(m)
		e[name] = cpioEntry{Mode: cpioFile | 0o644, Src: m}
		modList.WriteString("/" + name + "\n")
	}
	e["vmtest/modules"] = cpioEntry{Mode: cpioFile | 0o644, Data: []byte(modList.String())}
	for _, b := range bins {
		e["vmtest/"+b.Name] = cpioEntry{Mode: cpioFile | 0o755, Src: b.Path}
		e["vmtest/run-"+b.Name] = cpioEntry{Mode: cpioFile | 0o755, Data: []byte(wrapper(b, env, testArgs))}
		tests.WriteString(b.Name + "\n")
	}
	e["vmtest/tests"] = cpioEntry{Mode: cpioFile | 0o644, Data: []byte(tests.String())}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := writeCpio(f, e); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// summarize prints one line per test binary and the verdict, and returns
// the exit status: 0 only if every binary ran and passed.
func summarize(bins []testBinary, st guestStatus, err error) int {
	codes := map[string]int{}
	took := map[string]string{}
	prev := st.Ready
	for _, r := range st.Results {
		codes[r.Name] = r.Code
		took[r.Name] = fmt.Sprintf("%.1fs", r.At-prev)
		prev = r.At
	}
	failed := 0
	for _, b := range bins {
		code, ok := codes[b.Name]
		switch {
		case !ok:
			failed++
			fmt.Fprintf(os.Stderr, "vmtest: %-40s did not finish (%s)\n", b.Name, b.Dir)
		case code != 0:
			failed++
			fmt.Fprintf(os.Stderr, "vmtest: %-40s FAIL (exit %d, %s, %s)\n", b.Name, code, took[b.Name], b.Dir)
		default:
			fmt.Fprintf(os.Stderr, "vmtest: %-40s ok (%s, %s)\n", b.Name, took[b.Name], b.Dir)
		}
	}
	if err == nil && st.Done < 0 {
		err = fmt.Errorf("the guest stopped before reporting done")
	}
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "vmtest: FAIL: %v (%d of %d test binaries failed or did not run) in %.1fs\n",
			err, failed, len(bins), time.Since(start).Seconds())
		return 1
	case failed > 0:
		fmt.Fprintf(os.Stderr, "vmtest: FAIL: %d of %d test binaries failed in the cgroup v2 VM, %.1fs\n",
			failed, len(bins), time.Since(start).Seconds())
		return 1
	}
	fmt.Fprintf(os.Stderr, "vmtest: PASS: %d test binaries passed in the cgroup v2 VM, %.1fs\n",
		len(bins), time.Since(start).Seconds())
	return 0
}

// withTestTimeout adds -test.timeout unless args have one: go test sets
// 10m by default, a test binary run directly has no timeout, and a hung
// test should end in a goroutine dump on the console, not a killed VM.
func withTestTimeout(args []string, d time.Duration) []string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-test.timeout") || strings.HasPrefix(a, "--test.timeout") {
			return args
		}
	}
	if d <= 0 {
		return args
	}
	return append([]string{"-test.timeout=" + d.String()}, args...)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "vmtest: FAIL: "+format+"\n", args...)
	return 2
}

func defaultCache() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "sandbox-vmtest")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".cache", "sandbox-vmtest")
	}
	return filepath.Join(os.TempDir(), "sandbox-vmtest")
}

// lockDir takes an exclusive flock on dir/.lock, so concurrent runs do not
// download into the cache at the same time.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
