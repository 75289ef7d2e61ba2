//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// A Config out of range is refused by NewHost, naming the field, instead
// of failing at the first call after a backoff.
func TestNewHostRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	for field, cfg := range map[string]Config{
		"MemoryLimit": {MemoryLimit: -1},
		"CPUQuota":    {CPUQuota: -0.5},
		"MaxBackoff":  {MinBackoff: time.Minute},       // above the 5 s default MaxBackoff
		"MaxLine":     {MaxLine: -1},                   // would refuse every answer
		"StderrRate":  {StderrRate: -1},                // would drop every line
		"PidsLimit":   {PidsLimit: -3},                 // the library's own check
		"OutputLimit": {OutputLimit: -1},               // the same
		"CallTimeout": {CallTimeout: -time.Second},     // every call already late
		"MinBackoff":  {MinBackoff: -time.Millisecond}, // a restart before the death
	} {
		cfg.Dir, cfg.Exe = dir, "plugin"
		if h, err := NewHost(cfg); err == nil || !strings.Contains(err.Error(), field) {
			if h != nil {
				h.Close()
			}
			t.Errorf("NewHost with a bad %s: %v, want an error naming it", field, err)
		}
	}
	cfg := Config{Dir: dir, Exe: "plugin", MaxBackoff: 25 * time.Hour}
	if _, err := NewHost(cfg); err == nil || !strings.Contains(err.Error(), "MaxBackoff") {
		t.Errorf("NewHost with MaxBackoff 25h: %v, want an error naming it", err)
	}
}

// The backoff doubles up to MaxBackoff and stays there, however many
// deaths a crash-looping plugin piles up: a doubling that overflowed
// would restart it at once.
func TestBackoffNeverWraps(t *testing.T) {
	h, err := NewHost(Config{Dir: t.TempDir(), Exe: "plugin", MinBackoff: time.Minute, MaxBackoff: maxBackoff})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	prev := time.Duration(0)
	for n := 1; n <= 100; n++ {
		b := h.failed(false)
		if b < prev || b < time.Minute || b > maxBackoff {
			t.Fatalf("death %d: backoff %v after %v, want between 1m and %v, never less than the last", n, b, prev, maxBackoff)
		}
		prev = b
	}
	if prev != maxBackoff {
		t.Errorf("backoff after 100 deaths %v, want %v", prev, maxBackoff)
	}
}

// A plugin's error text is quoted: its escape sequences reach a terminal
// or a log as text.
func TestCallErrorQuoted(t *testing.T) {
	err := &CallError{Op: "upper", Msg: "\x1b[2J\x1b[Hupper: OK\n"}
	if s := err.Error(); strings.ContainsAny(s, "\x1b\n") {
		t.Errorf("CallError %q holds the plugin's control characters", s)
	}
}
