//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package main

// dataDirLock holds nothing where flock is missing.
type dataDirLock struct{}

// lockDataDir takes no lock where flock is missing: a second server, or a
// restore, on the same data directory is not refused there.
func lockDataDir(string) (*dataDirLock, error) { return nil, nil }

func (l *dataDirLock) release() {}
