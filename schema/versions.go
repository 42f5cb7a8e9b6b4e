package schema

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/isadmin/isadmin/admin"
)

// Versions returns the counts of changes the triggers of every dialect
// keep: to passwords, locks, users, tenants, roles and permissions, and to
// OAuth clients.
//
// Every authenticated request asks. On an SQLite file, while its
// wal-index header shows no commit since the last read, that read answers
// (see walIndex). Otherwise concurrent callers share reads: a caller joins
// the next read that has not started yet, and reads start one after
// another. A read that starts after the call began sees every write
// acknowledged before it, so sharing one changes no answer; under load one
// read serves every request that arrived while the one before it ran.
func (db *DB) Versions(ctx context.Context) (admin.Versions, error) {
	if db.wal != nil {
		return db.wal.versions(func() (admin.Versions, error) {
			return db.versions.read(ctx, db.readVersions)
		})
	}
	return db.versions.read(ctx, db.readVersions)
}

func (db *DB) readVersions(ctx context.Context) (admin.Versions, error) {
	var v admin.Versions
	if err := db.row(ctx, `SELECT version, (SELECT CAST(sum(version) AS BIGINT) FROM oauth_version_shards),
		(SELECT CAST(sum(version) AS BIGINT) FROM token_version_shards),
		(SELECT CAST(sum(version) AS BIGINT) FROM session_version_shards) FROM identity_version WHERE id = 1`).Scan(&v.Identity, &v.OAuth, &v.Tokens, &v.Sessions); err != nil {
		return v, fmt.Errorf("schema: versions: %w", err)
	}
	return v, nil
}

// sharedReads lets concurrent callers share one read of a value.
type sharedReads struct {
	mu sync.Mutex
	// next is the read that callers join; it starts when running ends.
	next *sharedRead
	// running is the read under way, if any.
	running *sharedRead
}

type sharedRead struct {
	done chan struct{}
	v    admin.Versions
	err  error
}

// read answers from a read that starts after it was called: a joiner waits
// for the next read, and the first caller to join it runs it, with its own
// context, once the read before has finished. A joiner whose read failed
// only because its runner's context ended reads again.
func (s *sharedReads) read(ctx context.Context, do func(context.Context) (admin.Versions, error)) (admin.Versions, error) {
	for {
		v, err := s.readOnce(ctx, do)
		if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue
		}
		return v, err
	}
}

func (s *sharedReads) readOnce(ctx context.Context, do func(context.Context) (admin.Versions, error)) (admin.Versions, error) {
	s.mu.Lock()
	if r := s.next; r != nil {
		s.mu.Unlock()
		select {
		case <-r.done:
			return r.v, r.err
		case <-ctx.Done():
			return admin.Versions{}, fmt.Errorf("schema: versions: %w", ctx.Err())
		}
	}
	r := &sharedRead{done: make(chan struct{})}
	s.next = r
	before := s.running
	s.mu.Unlock()

	// Others have joined this read, so its runner stays to run it; the
	// read before is bounded by its own runner's context.
	if before != nil {
		<-before.done
	}
	s.mu.Lock()
	s.next, s.running = nil, r
	s.mu.Unlock()
	r.v, r.err = do(ctx)
	s.mu.Lock()
	s.running = nil
	s.mu.Unlock()
	close(r.done)
	return r.v, r.err
}
