package sandbox

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestSubreaperEndsTree: without a PID namespace, init is a subreaper that
// kills every process the command left behind when it ends — including
// one that left the command's process group and session — and when the
// run is killed.
func TestSubreaperEndsTree(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	marker := "1000." + strconv.Itoa(os.Getpid()) + "3"
	sb := New().Namespaces(Mount, IPC, UTS, Net)
	defer sb.Close()
	tree := "(setsid sleep " + marker + " &); (sleep " + marker + " &); sleep " + marker + " & "
	res, out := run(t, sb, "sh", "-c", tree+"sleep 0.2")
	if res.Status != OK {
		t.Fatalf("%+v %s", res, out)
	}
	if pids := processesWith(marker); len(pids) > 0 {
		t.Errorf("processes outlived the command: %v", pids)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, _, err := runErr(ctx, sb, "sh", "-c", tree+"sleep "+marker)
	if err == nil || res.Status != Killed {
		t.Errorf("canceled run: %+v, %v", res, err)
	}
	if pids := processesWith(marker); len(pids) > 0 {
		t.Errorf("processes outlived the canceled run: %v", pids)
	}
}
