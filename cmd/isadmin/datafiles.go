package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
)

// Modes of the data directory and the files in it: the owner's alone.
const (
	dataDirMode  fs.FileMode = 0o700
	dataFileMode fs.FileMode = 0o600
)

// tightenModes makes the data directory and the files isadmin keeps (the
// database, its -wal and -shm files, the lock file, the generated
// certificate and key, and the secret key file) readable by their owner
// alone, and warns about each one that was not: other users may have read
// it.
func tightenModes(log zerolog.Logger, dataDir string, files ...string) {
	tighten(log, dataDir, dataDirMode)
	for _, f := range files {
		tighten(log, f, dataFileMode)
	}
}

// tighten takes from the mode of path every permission want lacks, and
// warns when there was one; a path that does not exist is left alone.
func tighten(log zerolog.Logger, path string, want fs.FileMode) {
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	mode := st.Mode().Perm()
	if mode&^want == 0 {
		return
	}
	event := log.Warn().Str("path", path).Str("mode", fmt.Sprintf("%04o", mode)).Str("want", fmt.Sprintf("%04o", want))
	if err := os.Chmod(path, mode&want); err != nil {
		event.Err(err).Msg("other users have access to this path of isadmin's, and its mode could not be tightened")
		return
	}
	event.Msg("other users had access to this path of isadmin's: its mode is now tightened")
}

// dataFiles lists the files isadmin keeps in the data directory.
func dataFiles(dataDir string, sqlite bool) []string {
	var files []string
	if sqlite {
		db := filepath.Join(dataDir, "isadmin.db")
		files = append(files, db, db+"-wal", db+"-shm", lockPath(dataDir))
	}
	return append(files, filepath.Join(dataDir, "tls.crt"), filepath.Join(dataDir, "tls.key"))
}
