package sandbox

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
	"github.com/sandboxkit/sandbox/internal/victims"
)

// landlockEscapes runs every attack of internal/victims in
// New().Backend(Landlock) and asserts what the table says: stopped, or,
// for an attack with a LandlockGap, escaped (so that the README's
// table, generated from the gaps, stays true). unreached maps the
// foreign-ABI attacks whose call does not reach the system call entry on
// this kernel to the proof (see victims.Attack.ReachesFilter).
func landlockEscapes(t *testing.T, dir string, host victims.Host, unreached map[string]string) {
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	sb := landlockBackend(t, true).Bind(dir, dir)
	var escaped []string
	for _, a := range victims.Attacks {
		t.Run(a.Name, func(t *testing.T) {
			if evidence, ok := unreached[a.Name]; ok {
				testutil.SkipProved(t, a.ForeignABI, evidence)
			}
			cmd := exec.Command(filepath.Join(dir, "victim"), a.Args(host)...)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if a.Needs&victims.NeedTTY != 0 {
				cmd.Stdin = pts
			}
			res, err := sb.Run(cmd)
			if err != nil {
				t.Fatal(err)
			}
			o := victims.Outcome{Exited: res.ExitCode >= 0, ExitCode: res.ExitCode, Signal: res.Signal, Output: out.String()}
			t.Logf("%v %s", res.Status, strings.TrimSpace(o.Output))
			if err := landlockCheck(a, o); err != nil {
				t.Error(err)
			}
			if o.Exited && o.ExitCode == 42 {
				escaped = append(escaped, a.Name)
			}
		})
	}
	t.Logf("escaped, as the table says: %v", escaped)
}

// landlockCheck is Attack.Check for the Landlock backend.
func landlockCheck(a victims.Attack, o victims.Outcome) error {
	if a.LandlockGap == "" {
		return a.Check(o)
	}
	out := strings.TrimSpace(o.Output)
	if o.Exited && o.ExitCode == 42 && strings.HasPrefix(out, "ESCAPED "+a.Name+": ") {
		return nil
	}
	return fmt.Errorf("%s: the table says the Landlock backend cannot stop it (%s), but: exit %d signal %v: %q; update LandlockGap",
		a.Name, a.LandlockGap, o.ExitCode, o.Signal, out)
}

// foreignUnreached runs each foreign-ABI attack with no filter (in New(),
// as TestEscapes does) and returns those whose call does not reach the
// system call entry on this kernel, with the proof.
func foreignUnreached(t *testing.T, dir string, host victims.Host) map[string]string {
	bare := New().Seccomp(nil).Bind(dir, "/v")
	defer bare.Close()
	out := map[string]string{}
	for _, a := range victims.Attacks {
		if a.ForeignABI == "" {
			continue
		}
		if reached, evidence := a.ReachesFilter(runAttack(t, bare, a, host, nil)); !reached {
			out[a.Name] = evidence
		}
	}
	return out
}

// TestEscapesLandlock: the escape suite in the Landlock backend, as root
// (the command runs as 65534, the embedding process as root).
func TestEscapesLandlock(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := victims.Build(t)
	host := escapeHost(t)
	landlockEscapes(t, dir, host, foreignUnreached(t, dir, host))
}
