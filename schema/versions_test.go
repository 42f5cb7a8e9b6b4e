package schema

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// TestSharedReadsSeeEarlierWrites checks that sharing reads never answers
// from a read that began before the call: every caller sees at least the
// count written before it called.
func TestSharedReadsSeeEarlierWrites(t *testing.T) {
	var s sharedReads
	var count atomic.Int64
	do := func(context.Context) (admin.Versions, error) {
		v := count.Load()
		time.Sleep(50 * time.Microsecond) // writes land while a read runs
		return admin.Versions{Identity: v}, nil
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 200 {
				written := count.Add(1)
				v, err := s.read(t.Context(), do)
				if err != nil {
					t.Error(err)
					return
				}
				if v.Identity < written {
					t.Errorf("read %d after writing %d", v.Identity, written)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSharedReadsShare checks that callers arriving while a read runs share
// the next one.
func TestSharedReadsShare(t *testing.T) {
	var s sharedReads
	var calls atomic.Int64
	release := make(chan struct{})
	do := func(context.Context) (admin.Versions, error) {
		n := calls.Add(1)
		if n == 1 {
			<-release
		}
		return admin.Versions{Identity: n}, nil
	}
	first := make(chan admin.Versions)
	go func() {
		v, _ := s.read(t.Context(), do)
		first <- v
	}()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const callers = 50
	var started, wg sync.WaitGroup
	results := make([]admin.Versions, callers)
	for i := range callers {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			v, err := s.read(t.Context(), do)
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		})
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let them join the waiting read
	close(release)
	if v := <-first; v.Identity != 1 {
		t.Errorf("first read answered %d, want 1", v.Identity)
	}
	wg.Wait()
	// Everyone who arrived during the first read shares the second; a
	// goroutine scheduled very late may make a third.
	if n := calls.Load(); n > 3 {
		t.Errorf("%d callers made %d reads, want them shared", callers+1, n)
	}
	for i, v := range results {
		if v.Identity < 2 {
			t.Errorf("caller %d answered from read %d, which began before it called", i, v.Identity)
		}
	}
}

// TestSharedReadsRunnerCancelled checks that a caller whose shared read
// failed only because the runner's request ended reads again.
func TestSharedReadsRunnerCancelled(t *testing.T) {
	var s sharedReads
	var calls atomic.Int64
	blocked := make(chan struct{})
	block := make(chan struct{})
	do := func(ctx context.Context) (admin.Versions, error) {
		switch calls.Add(1) {
		case 1: // a read running while the next gathers callers
			<-block
			return admin.Versions{Identity: 1}, nil
		case 2: // the runner of the shared read gives up
			<-ctx.Done()
			return admin.Versions{}, ctx.Err()
		}
		return admin.Versions{Identity: 3}, nil
	}
	go s.read(t.Context(), do)
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	runnerCtx, cancel := context.WithCancel(t.Context())
	runnerErr := make(chan error)
	go func() {
		_, err := s.read(runnerCtx, do)
		runnerErr <- err
	}()
	for {
		s.mu.Lock()
		joined := s.next != nil
		s.mu.Unlock()
		if joined {
			break
		}
		time.Sleep(time.Millisecond)
	}
	joiner := make(chan admin.Versions)
	go func() {
		close(blocked)
		v, err := s.read(t.Context(), do)
		if err != nil {
			t.Error(err)
		}
		joiner <- v
	}()
	<-blocked
	time.Sleep(10 * time.Millisecond) // let the joiner join
	close(block)
	for calls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-runnerErr; err == nil {
		t.Error("the cancelled runner got no error")
	}
	if v := <-joiner; v.Identity != 3 {
		t.Errorf("joiner answered %d, want 3 from its own read", v.Identity)
	}
}

// BenchmarkVersions measures what every authenticated request pays for the
// change counts of an SQLite file: a read of the wal-index header while
// nothing was committed, against the query it saves.
func BenchmarkVersions(b *testing.B) {
	db, err := Open(b.Context(), b.TempDir()+"/isadmin.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Versions(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("query", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.readVersions(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
