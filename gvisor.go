package sandbox

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// gvisorConfig is what only the GVisor backend reads.
type gvisorConfig struct {
	runsc    string // RunscPath; "" looks runsc up on PATH
	platform string // GVisorPlatform; "" lets the library choose
}

// RunscPath sets the runsc binary the GVisor backend runs: an absolute
// path, or a name looked up on the embedding process's PATH. The default is
// "runsc" on PATH.
func (s *Sandbox) RunscPath(path string) *Sandbox {
	switch {
	case path == "" || strings.ContainsRune(path, 0):
		return s.fail("RunscPath", path, "bad path")
	case strings.Contains(path, "/") && !filepath.IsAbs(path):
		return s.fail("RunscPath", path, "must be absolute or a bare name looked up on PATH")
	}
	s.cfg.gvisor.runsc = path
	return s
}

// GVisorPlatform sets the gVisor platform (how the Sentry intercepts the
// command's system calls): "systrap", "kvm" or "ptrace". By default the
// library picks the fastest one the installed runsc has and that this host
// can run, proved by a trivial run once per process; a platform set here is
// used as given, and a run fails with an *UnavailableError when the
// installed runsc lacks it.
func (s *Sandbox) GVisorPlatform(name string) *Sandbox {
	if !validPlatformName(name) {
		return s.fail("GVisorPlatform", name, "want a runsc platform name such as systrap, kvm or ptrace")
	}
	s.cfg.gvisor.platform = name
	return s
}

func validPlatformName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// parseRunscVersion returns X of the line "runsc version X".
func parseRunscVersion(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "runsc version "); ok {
			return v
		}
	}
	return "unknown"
}

// releaseDate is compiled at first use: a regexp compiled at package
// initialisation would cost every embedder's start-up, GVisor or not.
var releaseDate = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`20[0-9]{6}`) })

// runscDate returns the release date in a version such as
// "release-20240513.0" or Debian's "0.0~20221219.0", or 0.
func runscDate(version string) int {
	n, _ := strconv.Atoi(releaseDate().FindString(version))
	return n
}
