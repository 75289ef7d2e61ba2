package seccomp

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// TestParseJSONErrors: bad input is an error naming the bad value, never a
// panic.
func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "json"},
		{`[]`, "json"},
		{`{"defaultAction":"allow","rules":[],"extra":1}`, "extra"},
		{`{"defaultAction":"maybe"}`, "maybe"},
		{`{"defaultAction":"errno:abc"}`, "errno:abc"},
		{`{"defaultAction":"errno:70000"}`, "errno:70000"},
		{`{"defaultAction":"allow","rules":[{"syscalls":["read"],"action":"permit"}]}`, "permit"},
		{`{"defaultAction":"allow","rules":[{"syscalls":["frobnicate"],"action":"allow"}]}`, "frobnicate"},
		{`{"defaultAction":"allow","rules":[{"syscalls":[],"action":"allow"}]}`, "names no system call"},
		{`{"defaultAction":"allow","rules":[{"syscalls":["read"],"action":"allow","args":[{"index":9,"op":"eq","value":1}]}]}`, "index 9"},
		{`{"defaultAction":"allow","rules":[{"syscalls":["read"],"action":"allow","args":[{"index":0,"op":"between","value":1}]}]}`, "between"},
		{`{"defaultAction":"allow","rules":[{"syscalls":["read"],"action":"allow","args":[{"index":0,"op":"eq","value":-1}]}]}`, "json"},
	}
	for _, tt := range tests {
		p, err := ParseJSON([]byte(tt.in))
		var pe *PolicyError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: (%v, %v), want a *PolicyError naming %q", tt.in, p, err, tt.want)
		}
	}
}

// TestJSONRoundTrip: Default and Strict survive MarshalJSON and ParseJSON
// unchanged in meaning, and the documented example parses.
func TestJSONRoundTrip(t *testing.T) {
	for _, pol := range []*Policy{Default(), Strict()} {
		b, err := pol.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseJSON(b)
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		for _, a := range arches {
			want, _ := pol.CompileFor(a.arch)
			got, err := q.CompileFor(a.arch)
			if err != nil || got.String() != want.String() {
				t.Fatalf("%s: round trip changed the program (%v)", a.arch, err)
			}
		}
	}
	p, err := ParseJSON([]byte(`{"defaultAction":"errno:38","rules":[{"syscalls":["read","write"],"action":"allow"},
		{"syscalls":["ioctl"],"action":"errno:1","args":[{"index":1,"op":"eq","value":21522}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Default != Errno(syscall.ENOSYS) || len(p.Rules) != 2 || p.Rules[1].Conds[0] != (Cond{Arg: 1, Op: Eq, Value: 0x5412}) {
		t.Fatalf("parsed %+v", p)
	}
}
