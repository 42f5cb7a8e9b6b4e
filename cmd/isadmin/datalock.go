package main

import (
	"errors"
	"path/filepath"
)

// lockFileName is the file in the data directory whose lock a server on
// the directory's SQLite database holds for its whole life, and restore
// while it replaces the database.
const lockFileName = "isadmin.lock"

// errDataDirLocked reports a data directory whose lock another process
// (a server) holds.
var errDataDirLocked = errors.New("the data directory is locked by another process")

// lockPath is the lock file of the data directory dir.
func lockPath(dir string) string { return filepath.Join(dir, lockFileName) }
