package transfer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

func TestTransferReadFileRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"another format":   `{"format":"other","version":1,"tenants":[]}`,
		"a newer version":  `{"format":"isadmin-export","version":2,"tenants":[]}`,
		"an unknown field": `{"format":"isadmin-export","version":1,"tenants":[{"domain":"carbon.super","clients":[],"serviceProviders":[],"extra":1}]}`,
		"a tenant twice":   `{"format":"isadmin-export","version":1,"tenants":[{"domain":"a.com"},{"domain":"a.com"}]}`,
		"a key twice":      `{"format":"isadmin-export","version":1,"tenants":[{"domain":"a.com","clients":[{"consumerKey":"k"},{"consumerKey":"k"}]}]}`,
		"a name twice":     `{"format":"isadmin-export","version":1,"tenants":[{"domain":"a.com","serviceProviders":[{"name":"x"},{"name":"x"}]}]}`,
		"no JSON":          `<xml/>`,
	} {
		if _, err := ReadFile(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: read", name)
		}
	}
	f, err := ReadFile(strings.NewReader(`{"format":"isadmin-export","version":1,"tenants":[{"domain":"a.com","clients":[{"consumerKey":"k","name":"n"}]}]}`))
	if err != nil || len(f.Tenants) != 1 || f.Tenants[0].Clients[0].Name != "n" {
		t.Fatalf("%v %+v", err, f)
	}
}

func TestTransferMarshalIsStable(t *testing.T) {
	s := func(v string) *string { return &v }
	mk := func() *File {
		return &File{Tenants: []*FileTenant{
			{Domain: "b.org", Clients: []*Client{{ConsumerKey: "z", GrantTypes: " a  b "}, {ConsumerKey: "a", Settings: &wsdl.OAuthConsumerAppDTO{ApplicationName: s("dropped"), PkceMandatory: true}}}},
			{Domain: "a.com", ServiceProviders: []*ServiceProvider{{Name: "y"}, {Name: "x", Description: "<&>"}}},
		}}
	}
	one, err := mk().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	two, _ := mk().Marshal()
	if string(one) != string(two) {
		t.Fatal("two marshals differ")
	}
	text := string(one)
	for _, want := range []string{`"domain": "a.com"`, `"description": "<&>"`, `"grantTypes": "a b"`, `"pkceMandatory": true`} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %s:\n%s", want, text)
		}
	}
	if strings.Index(text, `"a.com"`) > strings.Index(text, `"b.org"`) || strings.Index(text, `"name": "x"`) > strings.Index(text, `"name": "y"`) ||
		strings.Index(text, `"consumerKey": "a"`) > strings.Index(text, `"consumerKey": "z"`) || strings.Contains(text, "dropped") {
		t.Errorf("not in order, or a column field in settings:\n%s", text)
	}
	back, err := ReadFile(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	three, _ := back.Marshal()
	if string(three) != text {
		t.Fatal("read and written again, the file differs")
	}
}

// A source in an older profile has the say only on the fields its
// release has; the database keeps the rest.
func TestTransferMergeKeepsWhatTheSourceLacks(t *testing.T) {
	s := func(v string) *string { return &v }
	p, err := wsdl.Load("is-5.0")
	if err != nil {
		t.Fatal(err)
	}
	clientType, fields := wireFields(p, "OAuthAdminService", "getOAuthApplicationData")
	if clientType == nil || fields["pkceMandatory"] {
		t.Fatal("is-5.0's DTO")
	}
	old := &Client{ConsumerKey: "k", ConsumerSecret: "old-secret", Name: "n", Owner: "bob", CallbackURL: "https://old", GrantTypes: "password",
		OAuthVersion: "OAuth-2.0", State: admin.StateRevoked, Settings: &wsdl.OAuthConsumerAppDTO{PkceMandatory: true, UserAccessTokenExpiryTime: 60}}
	src := clientOfDTO(&wsdl.OAuthConsumerAppDTO{OauthConsumerKey: s("k"), OauthConsumerSecret: s("new-secret"), ApplicationName: s("n"),
		CallbackUrl: s("https://new"), GrantTypes: s("client_credentials"), OAuthVersion: s("OAuth-2.0"), Username: s("alice@carbon.super")}, "carbon.super", fields)
	m, err := mergeClient(src, old)
	if err != nil {
		t.Fatal(err)
	}
	if m.CallbackURL != "https://new" || m.ConsumerSecret != "new-secret" || m.Owner != "alice" || m.GrantTypes != "client_credentials" {
		t.Errorf("the source's fields not taken: %+v", m)
	}
	if m.State != admin.StateRevoked || !m.Settings.PkceMandatory || m.Settings.UserAccessTokenExpiryTime != 60 {
		t.Errorf("fields is-5.0 lacks not kept: %+v %+v", m, m.Settings)
	}
	changes, _ := clientChanges(m, old)
	if strings.Join(changes, ",") != "oauthConsumerSecret,username,callbackUrl,grantTypes" {
		t.Errorf("changes %v", changes)
	}
	// A secret the source does not give is the database's.
	src.ConsumerSecret = ""
	delete(src.known, "oauthConsumerSecret")
	if m, _ := mergeClient(src, old); m.ConsumerSecret != "old-secret" {
		t.Errorf("secret %q", m.ConsumerSecret)
	}
	// A new client gets a new client's defaults where the source says nothing.
	m, _ = mergeClient(src, nil)
	if m.State != admin.StateActive || m.OAuthVersion != "OAuth-2.0" {
		t.Errorf("new client %+v", m)
	}

	spType, _ := wireFields(p, "IdentityApplicationManagementService", "getApplication")
	if spType.Field("accessUrl") != nil {
		t.Fatal("is-5.0 has accessUrl")
	}
	oldSP := &ServiceProvider{Name: "sp", UUID: "u-1", Owner: "admin", Description: "d",
		Configuration: &wsdl.ServiceProvider{AccessUrl: s("https://keep"), SaasApp: true, ApplicationEnabled: true}}
	view := &wsdl.ServiceProvider{ApplicationName: s("sp"), Description: s("d2"), SaasApp: false,
		Owner: &wsdl.User{UserName: s("admin"), UserStoreDomain: s("PRIMARY")}}
	srcSP, err := serviceProviderOfView(view, spType)
	if err != nil {
		t.Fatal(err)
	}
	msp, err := mergeServiceProvider(srcSP, oldSP)
	if err != nil {
		t.Fatal(err)
	}
	if str(msp.Configuration.AccessUrl) != "https://keep" || !msp.Configuration.ApplicationEnabled || msp.Configuration.SaasApp || msp.UUID != "u-1" || msp.Description != "d2" {
		t.Errorf("merged %+v %+v", msp, msp.Configuration)
	}
	// A new provider starts from a new application's tree.
	msp, _ = mergeServiceProvider(srcSP, nil)
	if !msp.Configuration.ApplicationEnabled || msp.UUID != "" {
		t.Errorf("new provider %+v %+v", msp, msp.Configuration)
	}
}

type fakeCaller struct {
	calls int
	errs  []error
}

func (f *fakeCaller) Call(ctx context.Context, service, operation string, req wsdl.Struct) (wsdl.Struct, error) {
	f.calls++
	if len(f.errs) == 0 {
		return nil, nil
	}
	err := f.errs[0]
	f.errs = f.errs[1:]
	return nil, err
}

func TestTransferRetry(t *testing.T) {
	ctx := context.Background()
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	down := errors.New("connection refused")
	busy := &soap.RemoteFault{Status: 503, Reason: "busy"}
	refused := &soap.RemoteFault{Status: 500, Code: "soapenv:Server", Reason: "no"}

	next := &fakeCaller{errs: []error{down, busy}}
	c := &retryCaller{next: next, retry: Retry{Backoff: time.Second}, breaker: &breaker{}, sleep: sleep}
	if _, err := c.Call(ctx, "S", "op", nil); err != nil || next.calls != 3 {
		t.Fatalf("transient failures: %v after %d calls", err, next.calls)
	}
	if len(waits) != 2 || waits[0] < 900*time.Millisecond || waits[0] > 1100*time.Millisecond || waits[1] < 1800*time.Millisecond {
		t.Fatalf("backoff %v", waits)
	}

	next = &fakeCaller{errs: []error{refused}}
	c.next = next
	if _, err := c.Call(ctx, "S", "op", nil); !errors.Is(err, refused) || next.calls != 1 {
		t.Fatalf("a fault is tried again: %v, %d calls", err, next.calls)
	}

	// Three calls that fail every try: the source is given up on.
	next = &fakeCaller{errs: []error{down, down, down, down, down, down}}
	c = &retryCaller{next: next, retry: Retry{Attempts: 2}, breaker: &breaker{}, sleep: sleep}
	for range 3 {
		if _, err := c.Call(ctx, "S", "op", nil); err == nil {
			t.Fatal("succeeded")
		}
	}
	if _, err := c.Call(ctx, "S", "op", nil); !errors.Is(err, ErrSourceDown) || next.calls != 6 {
		t.Fatalf("after three failed calls: %v, %d calls", err, next.calls)
	}
}

func TestTransferLines(t *testing.T) {
	var b strings.Builder
	now := time.Unix(0, 0)
	l := &Lines{W: &b, Every: time.Second, Now: func() time.Time { return now }}
	l.Start("a.com: writing OAuth clients", 3)
	l.Add(1)
	now = now.Add(2 * time.Second)
	l.Add(1)
	l.Add(1)
	l.Done()
	want := "a.com: writing OAuth clients: 3 to do\na.com: writing OAuth clients: 2/3\na.com: writing OAuth clients: 3/3 done in 2s\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
