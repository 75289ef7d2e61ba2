package testutil

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestUnmet: under CI=true an unmet need fails the test; elsewhere it
// skips. Each case runs in a child test binary so the outcome can be read.
func TestUnmet(t *testing.T) {
	if what := os.Getenv("TESTUTIL_CASE"); what != "" {
		return // the child: TestCase does the work
	}
	for _, c := range []struct {
		name, ci, want string
	}{
		{"unmet", "true", "--- FAIL: TestCase"},
		{"unmet", "", "--- SKIP: TestCase"},
		{"tool", "true", "--- FAIL: TestCase"},
		{"tool", "", "--- SKIP: TestCase"},
		{"proved", "true", "--- SKIP: TestCase"},
		{"proved", "", "--- SKIP: TestCase"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCase$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTUTIL_CASE="+c.name, "CI="+c.ci)
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s with CI=%q: want %q in\n%s", c.name, c.ci, c.want, out)
		}
	}
}

func TestCase(t *testing.T) {
	switch os.Getenv("TESTUTIL_CASE") {
	case "":
		return
	case "unmet":
		Unmet(t, "needs a thing")
	case "tool":
		RequireTool(t, "no-such-tool-testutil", "nothing")
	case "proved":
		SkipProved(t, "a feature", "a probe said so")
	}
	t.Error("went on")
}
