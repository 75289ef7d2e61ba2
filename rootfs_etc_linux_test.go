package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestEtcMatches: the /etc entries a default root binds are what globbing
// every etcFiles pattern finds on this host, in the same order, though
// /etc is listed once.
func TestEtcMatches(t *testing.T) {
	var want []string
	for _, pat := range etcFiles {
		m, err := filepath.Glob("/etc/" + pat)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m...)
	}
	var got []string
	for _, p := range etcMatches() {
		if _, err := os.Lstat(p); err == nil {
			got = append(got, p)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("etcMatches() finds %q, globbing finds %q", got, want)
	}
}
