// Package badchild breaks each of the child's rules once, in functions
// marked //sandbox:child, for the checker's own test (rules_linux_test.go).
package badchild

import "fmt"

var sink *int

// good breaks no rule.
//
//sandbox:child
//go:nosplit
func good(a *[4]byte, i uint) byte { return a[i&3] }

//sandbox:child
//go:nosplit
func heap() *int {
	x := 1
	return &x
}

//sandbox:child
//go:nosplit
func bounds(b []byte, i int) byte { return b[i] }

//sandbox:child
//go:nosplit
func store(p *int) { sink = p }

//sandbox:child
//go:nosplit
func callsHelper() { helper() }

func helper() {}

//sandbox:child
//go:nosplit
func callsSplits() { splits() }

//sandbox:child
func splits() {}

//sandbox:child
//go:nosplit
func closure() int {
	f := func() int { return 1 }
	return f()
}

//sandbox:child
//go:nosplit
func deferred() { defer helper() }

//sandbox:child
//go:nosplit
func appends(b []byte) []byte { return append(b, 1) }

//sandbox:child
//go:nosplit
func formats(i int) string { return fmt.Sprint(i) }

var _ = []any{good, heap, bounds, store, callsHelper, callsSplits, closure, deferred, appends, formats}
