package soap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// listing answers getAllOAuthApplicationData with n clients, failing after
// failAfter of them when failAfter >= 0.
type listing struct {
	wsdl.OAuthAdminService
	n, failAfter int
}

func (l listing) items() []*wsdl.OAuthConsumerAppDTO {
	out := []*wsdl.OAuthConsumerAppDTO{}
	for i := 0; i < l.n; i++ {
		name := fmt.Sprintf("app-%04d", i)
		out = append(out, &wsdl.OAuthConsumerAppDTO{ApplicationName: &name})
	}
	return out
}

func (l listing) GetAllOAuthApplicationData(ctx context.Context) ([]*wsdl.OAuthConsumerAppDTO, error) {
	return l.items(), nil
}

// streaming is a listing that streams.
type streaming struct{ listing }

func (s streaming) StreamGetAllOAuthApplicationData(ctx context.Context, yield func(*wsdl.OAuthConsumerAppDTO) error) error {
	for i, dto := range s.items() {
		if i == s.failAfter {
			return admin.Internal("test.failed", "the database went away", errors.New("boom"))
		}
		if err := yield(dto); err != nil {
			return err
		}
	}
	if s.failAfter == s.n {
		return admin.Internal("test.failed", "the database went away", errors.New("boom"))
	}
	return nil
}

func serveList(t *testing.T, impl any) *httptest.Server {
	t.Helper()
	p, err := wsdl.Load("is-next")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Profile: p, Services: map[string]any{"OAuthAdminService": impl}, Identity: benchIdentity{}, HTTPAdminServices: true, Log: zerolog.Nop(), Now: time.Now}
	r := httprouter.New()
	srv.Register(r)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return ts
}

func list(t *testing.T, ts *httptest.Server) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/services/OAuthAdminService", strings.NewReader(`<s:Envelope xmlns:s="`+NS11+`"><s:Body><getAllOAuthApplicationData xmlns="`+wsdl.WrapperNamespace+`"/></s:Body></s:Envelope>`))
	req.Header.Set("Content-Type", "text/xml")
	req.SetBasicAuth("admin", "admin")
	resp, err := ts.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// TestStreamedListEqualsWhole: a streamed list is byte for byte the answer
// the whole list gives, over several write chunks.
func TestStreamedListEqualsWhole(t *testing.T) {
	const n = 500 // several streamChunk writes
	_, whole, err := list(t, serveList(t, listing{n: n, failAfter: -1}))
	if err != nil {
		t.Fatal(err)
	}
	status, streamed, err := list(t, serveList(t, streaming{listing{n: n, failAfter: -1}}))
	if err != nil || status != http.StatusOK {
		t.Fatalf("streamed: %d %v", status, err)
	}
	if len(whole) < 2*streamChunk {
		t.Fatalf("the list (%d bytes) is too short to stream in chunks", len(whole))
	}
	if streamed != whole {
		t.Error("the streamed answer differs from the whole one")
	}
	_, empty, _ := list(t, serveList(t, streaming{listing{n: 0, failAfter: -1}}))
	_, wholeEmpty, _ := list(t, serveList(t, listing{n: 0, failAfter: -1}))
	if empty != wholeEmpty || strings.Contains(empty, "return") {
		t.Errorf("an empty streamed list: %s", empty)
	}
}

// TestStreamFailure: a failure before the first element is a fault; after
// it the connection is cut, so a truncated list never passes for a whole.
func TestStreamFailure(t *testing.T) {
	status, body, err := list(t, serveList(t, streaming{listing{n: 10, failAfter: 0}}))
	if err != nil || status != http.StatusInternalServerError || !strings.Contains(body, "the database went away") {
		t.Errorf("failure before the first element: %d %v %s", status, err, body)
	}
	_, body, err = list(t, serveList(t, streaming{listing{n: 2000, failAfter: 1500}}))
	if err == nil {
		t.Errorf("a failure mid-stream was answered as a whole response of %d bytes", len(body))
	}
}

// gatedListing blocks each listing until open is closed, counting those
// inside at once; it answers getOAuthApplicationData at once.
type gatedListing struct {
	wsdl.OAuthAdminService
	open         chan struct{}
	inside, most *atomic.Int32
	entered      chan struct{}
}

func (g gatedListing) GetAllOAuthApplicationData(ctx context.Context) ([]*wsdl.OAuthConsumerAppDTO, error) {
	n := g.inside.Add(1)
	defer g.inside.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	g.entered <- struct{}{}
	<-g.open
	return nil, nil
}

func (g gatedListing) GetOAuthApplicationData(ctx context.Context, key string) (*wsdl.OAuthConsumerAppDTO, error) {
	return &wsdl.OAuthConsumerAppDTO{OauthConsumerKey: &key}, nil
}

// TestListingsBounded: no more listings than MaxListings are answered at
// once, whatever their clients do; the others wait their turn, and other
// operations do not wait at all.
func TestListingsBounded(t *testing.T) {
	g := gatedListing{open: make(chan struct{}), inside: new(atomic.Int32), most: new(atomic.Int32), entered: make(chan struct{}, 8)}
	p, err := wsdl.Load("is-next")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Profile: p, Services: map[string]any{"OAuthAdminService": g}, Identity: benchIdentity{}, HTTPAdminServices: true,
		Log: zerolog.Nop(), Now: time.Now, MaxListings: 2}
	r := httprouter.New()
	srv.Register(r)
	ts := httptest.NewServer(r)
	defer ts.Close()

	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, body, err := list(t, ts); status != http.StatusOK || err != nil {
				t.Errorf("a listing: %d %v %s", status, err, body)
			}
		}()
	}
	<-g.entered
	<-g.entered
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/services/OAuthAdminService", strings.NewReader(`<s:Envelope xmlns:s="`+NS11+`"><s:Body><getOAuthApplicationData xmlns="`+wsdl.WrapperNamespace+`"><consumerKey>k</consumerKey></getOAuthApplicationData></s:Body></s:Envelope>`))
	req.Header.Set("Content-Type", "text/xml")
	req.SetBasicAuth("admin", "admin")
	resp, err := ts.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("getOAuthApplicationData beside two waiting listings: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if n := g.inside.Load(); n != 2 {
		t.Errorf("%d listings answered at once, want 2", n)
	}
	close(g.open)
	wg.Wait()
	if m := g.most.Load(); m != 2 {
		t.Errorf("at most %d listings answered at once, want 2", m)
	}
}
