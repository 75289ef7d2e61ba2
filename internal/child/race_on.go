//go:build race

package child

// raceEnabled: under the race detector, instrumented code and its runtime
// share thread state with anything that runs on the parent's memory, so the
// CLONE_VM path is not used.
const raceEnabled = true
