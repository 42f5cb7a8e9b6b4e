package schema

import (
	"context"
	"database/sql"
	"fmt"
)

// maxBatch bounds how many write transactions share one commit.
const maxBatch = 64

// write is one write transaction waiting for the committer.
type write struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// commitGroups runs the SQLite write transactions of this process: it
// takes every write waiting, runs each in a savepoint of one transaction
// (a failing write rolls back to its savepoint alone), and commits them
// together. The commit's fsync is shared, and a write is acknowledged only
// after the commit holding it has returned, so every acknowledged write is
// as durable as one committed on its own.
func (db *DB) commitGroups() {
	defer close(db.committerDone)
	for first := range db.writes {
		batch := []*write{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case w, ok := <-db.writes:
				if !ok {
					break gather
				}
				batch = append(batch, w)
			default:
				break gather
			}
		}
		db.commitBatch(batch)
	}
}

func (db *DB) commitBatch(batch []*write) {
	errs := make([]error, len(batch))
	tx, err := db.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, w := range batch {
			w.done <- err
		}
		return
	}
	ran := 0
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if len(batch) == 1 {
			errs[i] = w.fn(tx)
			ran++
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT w`); err != nil {
			errs[i] = err
			continue
		}
		if errs[i] = w.fn(tx); errs[i] != nil {
			if _, err := tx.Exec(`ROLLBACK TO w`); err != nil {
				// The transaction is unusable: fail the whole batch.
				tx.Rollback()
				for j, w := range batch {
					w.done <- firstErr(errs[j], fmt.Errorf("schema: group commit: %w", err))
				}
				return
			}
		} else {
			ran++
		}
		if _, err := tx.Exec(`RELEASE w`); err != nil {
			tx.Rollback()
			for j, w := range batch {
				w.done <- firstErr(errs[j], fmt.Errorf("schema: group commit: %w", err))
			}
			return
		}
	}
	if len(batch) == 1 && errs[0] != nil {
		tx.Rollback()
		batch[0].done <- errs[0]
		return
	}
	if err := tx.Commit(); err != nil {
		for i, w := range batch {
			w.done <- firstErr(errs[i], err)
		}
		return
	}
	for i, w := range batch {
		w.done <- errs[i]
	}
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// queueWrite hands fn to the committer and waits for its commit.
func (db *DB) queueWrite(ctx context.Context, fn func(tx *sql.Tx) error) error {
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.writes <- w
	return <-w.done
}
