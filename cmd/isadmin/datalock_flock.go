//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// dataDirLock is a held lock of a data directory.
type dataDirLock struct{ f *os.File }

// lockDataDir takes the exclusive lock of the data directory dir (an
// advisory flock on its lock file, made with mode 0600), without waiting:
// errDataDirLocked when another process, or another open of this one,
// holds it. The kernel releases it when the process ends, however it ends.
// A lock file made by root is given the owner of the directory, so that
// the server's own user can open it after a restore run as root.
func lockDataDir(dir string) (*dataDirLock, error) {
	path := lockPath(dir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, dataFileMode)
	if err == nil && os.Geteuid() == 0 {
		if fi, serr := os.Stat(dir); serr == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				f.Chown(int(st.Uid), int(st.Gid))
			}
		}
	}
	if errors.Is(err, os.ErrExist) {
		f, err = os.OpenFile(path, os.O_RDWR, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file of the data directory: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", errDataDirLocked, path)
		}
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	return &dataDirLock{f: f}, nil
}

// release gives the lock up; a nil lock holds nothing.
func (l *dataDirLock) release() {
	if l != nil {
		l.f.Close()
	}
}
