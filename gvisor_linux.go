package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// The GVisor backend runs the command with gVisor's runsc: the same
// configuration written as an OCI bundle (gvisor_bundle_linux.go), one
// `runsc run` per run (gvisor_run_linux.go). Before the first run of a
// runsc binary the host is probed once per process: the binary, its
// version and platforms, and a trivial run on each candidate platform,
// fastest first; the first that works is the one runs use.

// minRunscDate is the oldest runsc release this backend is tested with
// (Debian 12's package, 0.0~20221219.0).
const minRunscDate = 20221219

// platformOrder is the order platforms are tried in: systrap (runsc since
// mid 2023) and kvm are much faster than ptrace, which works almost
// everywhere.
var platformOrder = []string{"systrap", "kvm", "ptrace"}

const installFix = "apt-get install runsc (Debian 12 and later), or install a release from https://gvisor.dev/docs/user_guide/install/"

// gvisorHost is what the probe found for one runsc binary and platform
// setting.
type gvisorHost struct {
	runsc     string   // absolute path
	version   string   // as `runsc --version` says it
	platforms []string // the platforms the binary has
	passFD    bool     // `runsc run --pass-fd` exists (ExtraFiles)
	platform  string   // the one runs use
}

type gvisorProbe struct {
	once sync.Once
	host *gvisorHost
	err  error
}

// gvisorProbes caches the probes by configuration (runsc path, platform).
var gvisorProbes sync.Map // gvisorConfig → *gvisorProbe

// gvisorAvailable says whether this host can run the GVisor backend with
// runsc from PATH and the platform the library chooses.
func gvisorAvailable() error {
	_, err := probeGVisor(gvisorConfig{})
	return err
}

// probeGVisor returns what the runs of configuration gc use, probed once
// per process.
func probeGVisor(gc gvisorConfig) (*gvisorHost, error) {
	v, _ := gvisorProbes.LoadOrStore(gc, &gvisorProbe{})
	p := v.(*gvisorProbe)
	p.once.Do(func() { p.host, p.err = doProbe(gc) })
	return p.host, p.err
}

func unavailable(missing, fix string, err error) error {
	return &UnavailableError{Backend: GVisor, Missing: missing, Fix: fix, Err: err}
}

func doProbe(gc gvisorConfig) (*gvisorHost, error) {
	if os.Geteuid() != 0 {
		return nil, unavailable("root: runsc needs it to build its sandbox", "run as root, or use the Native or Landlock backend", nil)
	}
	name := gc.runsc
	if name == "" {
		name = "runsc"
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		what := "runsc on PATH"
		if gc.runsc != "" {
			what = "runsc at " + gc.runsc
		}
		return nil, unavailable(what, installFix, err)
	}
	h := &gvisorHost{runsc: bin}
	out, err := runscOutput(bin, "--version")
	if err != nil {
		return nil, unavailable("a working runsc", installFix, fmt.Errorf("%s --version: %w", bin, err))
	}
	h.version = parseRunscVersion(out)
	if date := runscDate(h.version); date != 0 && date < minRunscDate {
		return nil, unavailable(fmt.Sprintf("runsc from %d or later (%s is %s)", minRunscDate, bin, h.version), installFix, nil)
	}
	if out, err = runscOutput(bin, "help", "platforms"); err != nil {
		return nil, unavailable("a working runsc", installFix, fmt.Errorf("%s help platforms: %w", bin, err))
	}
	h.platforms = strings.Fields(out)
	if out, err := runscOutput(bin, "help", "run"); err == nil {
		h.passFD = strings.Contains(out, "-pass-fd")
	}
	candidates := platformOrder
	if gc.platform != "" {
		if !slices.Contains(h.platforms, gc.platform) {
			return nil, unavailable(fmt.Sprintf("platform %q in runsc %s (it has %s)", gc.platform, h.version, strings.Join(h.platforms, ", ")),
				"choose one of those with GVisorPlatform, or install a newer runsc: "+installFix, nil)
		}
		candidates = []string{gc.platform}
	}
	var errs []error
	for _, pl := range candidates {
		if !slices.Contains(h.platforms, pl) {
			continue
		}
		if why := platformPrecheck(pl); why != nil {
			errs = append(errs, fmt.Errorf("%s: %w", pl, why))
			continue
		}
		h.platform = pl
		if err := proveGVisor(h); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", pl, err))
			continue
		}
		return h, nil
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("runsc %s has platforms %s, none of which the library knows", h.version, strings.Join(h.platforms, ", ")))
	}
	return nil, unavailable("a gVisor platform this host can run", "see the errors; ptrace needs ptrace(2) allowed, kvm a working /dev/kvm with vmx or svm", errors.Join(errs...))
}

// platformPrecheck refuses, without a trial run, a platform that cannot
// work here: kvm needs /dev/kvm and a CPU with virtualisation extensions
// (a paravirtual /dev/kvm such as kvm-pvm runs only guests built for it).
func platformPrecheck(platform string) error {
	if platform != "kvm" {
		return nil
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	f.Close()
	cpuinfo, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return err
	}
	if !regexp.MustCompile(`(?m)^flags\s*:.*\b(vmx|svm)\b`).Match(cpuinfo) {
		return errors.New("the CPU has neither vmx nor svm")
	}
	return nil
}

// proveGVisor runs /bin/true in the default configuration on h's platform.
func proveGVisor(h *gvisorHost) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := New().WallTimeLimit(20 * time.Second).cfg
	cmd := exec.Command("/bin/true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	p, err := startGVisor(ctx, &cfg, cmd, h)
	if err != nil {
		return err
	}
	res, err := p.Wait()
	switch {
	case err != nil:
		return err
	case res.Status != OK:
		return fmt.Errorf("/bin/true ended %v (exit %d, signal %d): %s", res.Status, res.ExitCode, res.Signal, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// runscOutput runs a runsc command that only prints.
func runscOutput(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
