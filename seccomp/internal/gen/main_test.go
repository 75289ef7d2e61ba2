package main

import (
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	nums, err := parse(strings.NewReader("# comment\n0\tcommon\tread\tsys_read\n1\t64\twrite\n1\tx32\twritev\n\n2\tcommon\topen # trailing\n"), []string{"common", "64"})
	if err != nil || len(nums) != 3 || nums["write"] != 1 || nums["open"] != 2 {
		t.Fatalf("got %v, %v", nums, err)
	}
	for _, bad := range []string{"0 common read\n1 common read\n", "0 common read\n0 common write\n", "x common read\n", "0 common\n", "# nothing\n"} {
		if _, err := parse(strings.NewReader(bad), []string{"common"}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestTables: the kept tables parse and hold the calls everyone needs.
func TestTables(t *testing.T) {
	for _, tb := range tables {
		f, err := os.Open("testdata/" + tb.file)
		if err != nil {
			t.Fatal(err)
		}
		nums, err := parse(f, tb.abis)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tb.file, err)
		}
		if _, ok := nums["clone3"]; !ok || len(nums) < 300 {
			t.Errorf("%s for %s: %d calls", tb.file, tb.arch, len(nums))
		}
	}
}
