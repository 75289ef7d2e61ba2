package sandbox

import (
	"path"
	"strings"
	"testing"
	"time"
)

// FuzzCheckDst: a destination is accepted only when it is an absolute,
// clean path below the root with no ".." — whatever the input.
func FuzzCheckDst(f *testing.F) {
	for _, s := range []string{"/tmp", "tmp", "/a/../b", "/", "//x//y/", "/x/..", "/a\x00b", "", "/..", "/./x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dst string) {
		clean, why := checkDst(dst)
		if why != "" {
			if clean != "" {
				t.Fatalf("checkDst(%q) = %q with reason %q", dst, clean, why)
			}
			return
		}
		switch {
		case !path.IsAbs(clean), clean == "/", path.Clean(clean) != clean,
			strings.Contains(clean, "\x00"), strings.Contains("/"+clean+"/", "/../"):
			t.Fatalf("checkDst(%q) accepted %q", dst, clean)
		}
	})
}

// FuzzBuilder: any sequence of builder calls with any values is either a
// working configuration or a set of *ConfigError; it never panics. (The
// privileged twin, FuzzBuilderRun, also runs what is accepted.)
func FuzzBuilder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, "/tmp", int64(1<<20))
	f.Add([]byte{3, 3, 3}, "../x", int64(-1))
	f.Add([]byte{14, 2, 200}, "", int64(0))
	f.Fuzz(func(t *testing.T, ops []byte, s string, n int64) {
		sb := buildFuzzed(ops, s, n)
		for _, err := range sb.errs {
			if _, ok := err.(*ConfigError); !ok {
				t.Fatalf("builder error %T: %v", err, err)
			}
		}
	})
}

func durationOf(v int64) time.Duration { return time.Duration(v) }

// buildFuzzed applies one builder call per op byte, with s and n (and
// values derived from them) as arguments.
func buildFuzzed(ops []byte, s string, n int64) *Sandbox {
	sb := New()
	for i, op := range ops {
		v := n + int64(i)
		switch op % 16 {
		case 0:
			sb.Chroot(s)
		case 1:
			sb.Bind(s, s)
		case 2:
			sb.BindWritable("/tmp", s)
		case 3:
			sb.Tmpfs(s, v)
		case 4:
			sb.Hostname(s)
		case 5:
			sb.RunAs(int(v), int(v>>1))
		case 6:
			sb.WallTimeLimit(durationOf(v))
		case 7:
			sb.MemoryLimit(v)
		case 8:
			sb.PidsLimit(v)
		case 9:
			sb.CPUQuota(float64(v) / 100)
		case 10:
			sb.CPUTimeLimit(durationOf(v))
		case 11:
			sb.OutputLimit(v)
		case 12:
			sb.CgroupParent(s)
		case 13:
			sb.Namespaces(Namespace(v & 0x1ff))
		case 14:
			sb.TimeOffsets(durationOf(v), durationOf(-v))
		case 15:
			sb.FreshNetwork()
		}
	}
	return sb
}
