package sandbox

import (
	"os"
	"slices"
	"testing"
)

// TestCgroupModeInVM: the vmtest guest (SANDBOX_VMTEST=cgroup2, set by
// go run ./internal/vmtest) is a pure cgroup v2 host, so the VM job really
// ran the v2 code paths it exists for. Elsewhere the mode is one of the
// four documented names.
func TestCgroupModeInVM(t *testing.T) {
	mode := CgroupMode()
	t.Logf("CgroupMode() = %q", mode)
	switch vm := os.Getenv("SANDBOX_VMTEST"); vm {
	case "":
	case "cgroup2":
		if mode != "unified" {
			t.Fatalf("in the cgroup v2 VM CgroupMode() = %q, want \"unified\"", mode)
		}
	default:
		t.Fatalf("SANDBOX_VMTEST=%q: unknown guest kind", vm)
	}
	if !slices.Contains([]string{"unified", "hybrid", "legacy", "unavailable"}, mode) {
		t.Errorf("CgroupMode() = %q, not a documented mode", mode)
	}
}
