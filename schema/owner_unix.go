//go:build unix

package schema

import (
	"os"
	"syscall"
)

// ownerOf returns the user and group owning path; ok is false when it
// cannot be read.
func ownerOf(path string) (uid, gid int, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
