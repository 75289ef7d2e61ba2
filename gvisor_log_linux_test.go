package sandbox

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRunscLog: the facts runscLog takes from runsc's log, and only from
// lines in runsc's own format, first line of each fact only.
func TestRunscLog(t *testing.T) {
	for _, tt := range []struct {
		name   string
		log    string
		ws     unix.WaitStatus
		ok     bool
		starts int
	}{
		{"the Sentry's status wins", "I1129 05:20:48.649867    4594 network.go:56] Setting up network\n" +
			"I1129 05:20:48.670054    4609 kernel.go:791] EXEC: [/bin/sh -c exit 3]\n" +
			"I1129 05:20:48.700591    4609 boot.go:389] application exiting with 9\n" +
			"W1129 05:20:48.700600    4594 sandbox.go:957] Wait RPC to container \"x\" failed: EOF. Will try waiting on the sandbox process instead.\n" +
			"I1129 05:20:48.707626    4594 main.go:266] Exiting with status: 35072\n", 9, true, 2},
		{"runsc's status alone", "I1129 05:20:48.707626    4594 main.go:266] Exiting with status: 768\n", 768, true, 0},
		{"first line only", "I1129 05:20:48.707626    4594 main.go:266] Exiting with status: 768\n" +
			"I1129 05:20:48.707626    4594 main.go:266] Exiting with status: 0\n", 768, true, 0},
		{"not runsc's format", "Exiting with status: 0\nxx] application exiting with 0\n" +
			"I1129 05:20:48.707626 4594 main.go:266] x: Exiting with status: 0\n", 0, false, 0},
		{"no status", "I1129 05:20:48.649867    4594 network.go:56] Setting up network\n", 0, false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			starts := 0
			l := newRunscLog(r, func(time.Time) { starts++ })
			go l.read()
			w.WriteString(tt.log)
			w.Close()
			ws, ok := l.wait(time.Second)
			if ws != tt.ws || ok != tt.ok || starts != tt.starts {
				t.Errorf("status %d %v, %d start marks; want %d %v, %d", ws, ok, starts, tt.ws, tt.ok, tt.starts)
			}
			if (starts > 0) != !l.startedAt().IsZero() {
				t.Errorf("startedAt %v after %d marks", l.startedAt(), starts)
			}
		})
	}
}
