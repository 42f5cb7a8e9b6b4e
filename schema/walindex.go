package schema

import (
	"bytes"
	"os"
	"strings"
	"sync/atomic"

	"github.com/isadmin/isadmin/admin"
)

// walIndex watches the wal-index header of an SQLite database in WAL mode:
// the first bytes of its "-shm" file, in the format SQLite documents
// (https://www.sqlite.org/walformat.html). Every commit, by any connection
// of any process, rewrites the header before readers can see the commit,
// and the header holds a change counter, so a header that reads the same
// as before means nothing was committed since. Reading it costs one pread
// where a query costs a read transaction.
//
// The header is kept twice; SQLite writes the second copy, then the first.
// A reading that catches a writer halfway has copies that differ, and
// counts as a change.
type walIndex struct {
	f *os.File
	// known is the header last read before a query of the versions,
	// with what the query answered.
	known atomic.Pointer[knownVersions]
}

// walHeaderSize is the size of one copy of the header (WalIndexHdr).
const walHeaderSize = 48

type walHeader [walHeaderSize]byte

type knownVersions struct {
	header walHeader
	v      admin.Versions
}

// openWALIndex opens the wal-index of the SQLite file at path, or returns
// nil where there is none to watch. The database must be open: SQLite
// removes the file when its last connection closes, and the DB keeps
// connections open for its whole life.
func openWALIndex(path string) *walIndex {
	if path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil
	}
	f, err := os.Open(path + "-shm")
	if err != nil {
		return nil
	}
	w := &walIndex{f: f}
	if _, ok := w.header(); !ok {
		f.Close()
		return nil
	}
	return w
}

// header reads the header; ok is false when it cannot be relied on: not
// initialised, or caught while a writer was rewriting it.
func (w *walIndex) header() (h walHeader, ok bool) {
	var both [2 * walHeaderSize]byte
	if n, _ := w.f.ReadAt(both[:], 0); n != len(both) {
		return h, false
	}
	const isInit = 12 // offset of the isInit byte in WalIndexHdr
	if both[isInit] == 0 || !bytes.Equal(both[:walHeaderSize], both[walHeaderSize:]) {
		return h, false
	}
	copy(h[:], both[:walHeaderSize])
	return h, true
}

// versions answers from the last query while the header stands, and
// otherwise runs query, remembering its answer with the header read
// before it began: a later reading of the same header proves no commit
// came after the query started.
func (w *walIndex) versions(query func() (admin.Versions, error)) (admin.Versions, error) {
	h, ok := w.header()
	if ok {
		if k := w.known.Load(); k != nil && k.header == h {
			return k.v, nil
		}
	}
	v, err := query()
	if err == nil && ok {
		w.known.Store(&knownVersions{header: h, v: v})
	}
	return v, err
}

func (w *walIndex) close() {
	if w != nil {
		w.f.Close()
	}
}
