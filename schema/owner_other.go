//go:build !unix

package schema

// ownerOf reports no owner where files have no Unix owner.
func ownerOf(string) (uid, gid int, ok bool) { return 0, 0, false }
