package sandbox

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestGVisorConfigErrors: the GVisor builder methods check their argument.
func TestGVisorConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		sb     *Sandbox
		method string
		value  string
	}{
		{New().RunscPath(""), "RunscPath", ""},
		{New().RunscPath("bin/runsc"), "RunscPath", "bin/runsc"},
		{New().RunscPath("/a\x00b"), "RunscPath", "/a"},
		{New().GVisorPlatform(""), "GVisorPlatform", ""},
		{New().GVisorPlatform("PTRACE"), "GVisorPlatform", "PTRACE"},
		{New().GVisorPlatform("kvm --debug"), "GVisorPlatform", "kvm --debug"},
	} {
		_, err := tt.sb.Backend(GVisor).Run(exec.Command("true"))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Method != tt.method || !strings.Contains(err.Error(), tt.value) {
			t.Errorf("%s(%q): err = %v", tt.method, tt.value, err)
		}
	}
	for _, ok := range []*Sandbox{New().RunscPath("runsc"), New().RunscPath("/usr/local/bin/runsc"), New().GVisorPlatform("systrap")} {
		if len(ok.errs) > 0 {
			t.Errorf("refused: %v", ok.errs)
		}
	}
}

func TestRunscDate(t *testing.T) {
	for v, want := range map[string]int{"0.0~20221219.0": 20221219, "release-20240513.0": 20240513, "0.0.0": 0, "unknown": 0} {
		if got := runscDate(v); got != want {
			t.Errorf("runscDate(%q) = %d, want %d", v, got, want)
		}
	}
	if v := parseRunscVersion("runsc version release-20240513.0\nspec: 1.1.0\n"); v != "release-20240513.0" {
		t.Errorf("parseRunscVersion = %q", v)
	}
}
