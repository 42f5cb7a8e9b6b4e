package admin_test

import (
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/wsdl"
)

// TestListingWaitsOnNoDatabase: a listing whose client does not read (its
// yield blocks, as a write to a stalled socket does) holds no database
// connection, so more stalled listings than the pool has connections
// leave the rest answering.
func TestListingWaitsOnNoDatabase(t *testing.T) {
	f := newAppMgt(t)
	for _, name := range []string{"a", "b", "c"} {
		f.register(t, f.ctx, name, name+"-key")
	}
	const stalled = 40 // more than the SQLite pool's 32 connections
	unblock := make(chan struct{})
	var entered, done sync.WaitGroup
	entered.Add(stalled)
	for i := 0; i < stalled; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			first := true
			f.oauth.StreamGetAllOAuthApplicationData(f.ctx, func(*wsdl.OAuthConsumerAppDTO) error {
				if first {
					first = false
					entered.Done()
					<-unblock
				}
				return nil
			})
		}()
	}
	all := make(chan struct{})
	go func() { entered.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Error("not every stalled listing got its rows")
	}
	registered := make(chan error, 1)
	go func() {
		name, key := "d", "d-key"
		registered <- f.oauth.RegisterOAuthApplicationData(f.ctx, &wsdl.OAuthConsumerAppDTO{
			ApplicationName: &name, OauthConsumerKey: &key, OauthConsumerSecret: strp("d-secret"), GrantTypes: strp("client_credentials"),
		})
	}()
	select {
	case err := <-registered:
		if err != nil {
			t.Errorf("a registration beside %d stalled listings: %v", stalled, err)
		}
	case <-time.After(10 * time.Second):
		close(unblock) // so that the database can close
		t.Fatalf("a registration beside %d stalled listings did not end in 10 s", stalled)
	}
	close(unblock)
	done.Wait()
}
