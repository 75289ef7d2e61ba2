//go:build race

package sandbox

// raceDetector: the tests run under the race detector, where every run
// costs several times as much CPU.
const raceDetector = true
