//go:build race

package main

// raceDetector tells tests that the race detector instruments this build,
// which makes the pure-Go SQLite engine several times slower: tests whose
// point is a large amount of data shrink it there, since the other passes
// run them at full size.
const raceDetector = true
