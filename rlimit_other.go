//go:build !linux

package sandbox

import "strconv"

func rlimitRefused(int) string { return "" } // every run fails here

func (r rlimitSpec) String() string {
	return "rlimit " + strconv.Itoa(r.resource) + " " + strconv.FormatUint(r.cur, 10) + " " + strconv.FormatUint(r.max, 10)
}
