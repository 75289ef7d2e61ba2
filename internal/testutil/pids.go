package testutil

import (
	"os/exec"
	"testing"
)

// GoneAndLive returns the pid of a process that has exited and been
// reaped, and that of one that lives until the test ends: for the sweeps,
// which tell the directories of gone processes from live ones by pid.
func GoneAndLive(t testing.TB) (gone, live int) {
	t.Helper()
	g := exec.Command("true")
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	l := exec.Command("sleep", "60")
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Process.Kill()
		l.Wait()
	})
	return g.Process.Pid, l.Process.Pid
}
