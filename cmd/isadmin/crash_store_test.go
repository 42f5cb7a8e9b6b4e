package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
)

// storeCall sends a JSON request to the store API. err is a transport
// error: no complete answer was read.
func storeCall(e *crashEnv, w *crashWriter, method, path, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(e.ctx, method, e.base+storeapi.BasePath+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if w.auth.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: w.auth.cookie})
	} else {
		req.SetBasicAuth(w.auth.user, w.auth.pass)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// classifyJSON turns a store answer into an outcome: 2xx is a success, a
// JSON error body is a refusal the store owns up to.
func classifyJSON(status int, body []byte, err error) outcome {
	switch {
	case err != nil && errors.Is(err, syscall.ECONNREFUSED):
		return refused
	case err != nil:
		return unknown
	case status/100 == 2:
		return acked
	case status >= 400 && json.Valid(body):
		return faulted
	}
	return unknown
}

// mapRecord follows one store application and the out-of-band key a writer
// mapped to it.
type mapRecord struct {
	app, appID     string
	appOut         outcome
	key, secret    string
	mapOut         outcome
	duplicateOfKey bool // the key was mapped already: the mapping must fail
}

// keyMappings creates store applications and maps out-of-band keys to
// them; the key manager does not know the keys, so each mapping also
// provisions its OAuth client. One in six maps a key mapped already, which
// must be refused and leave nothing behind.
type keyMappings struct {
	recs [][]mapRecord
}

func (*keyMappings) name() string { return "store map-keys" }
func (*keyMappings) weight() int  { return 2 }
func (k *keyMappings) init(n int) { k.recs = make([][]mapRecord, n) }

func (k *keyMappings) write(e *crashEnv, w *crashWriter) bool {
	i := w.next()
	rec := mapRecord{app: fmt.Sprintf("crash-store-%d-%d", w.id, i), key: fmt.Sprintf("crash-map-%d-%d", w.id, i), secret: fmt.Sprintf("map-secret-%x", w.rng.Uint32())}
	status, body, err := storeCall(e, w, http.MethodPost, "/applications", `{"name":"`+rec.app+`","throttlingPolicy":"Unlimited"}`)
	rec.appOut = classifyJSON(status, body, err)
	if rec.appOut == faulted {
		w.unexpectedf("creating store application %s: HTTP %d %s", rec.app, status, body)
	}
	if rec.appOut != acked {
		rec.mapOut = refused // never sent
		k.recs[w.id] = append(k.recs[w.id], rec)
		return rec.appOut != unknown && rec.appOut != refused
	}
	var created struct{ ApplicationID string }
	json.Unmarshal(body, &created)
	rec.appID = created.ApplicationID
	// One in six maps a key this writer mapped already.
	if w.rng.IntN(6) == 0 {
		var mapped []mapRecord
		for _, prev := range k.recs[w.id] {
			if prev.mapOut == acked {
				mapped = append(mapped, prev)
			}
		}
		if len(mapped) > 0 {
			prev := mapped[w.rng.IntN(len(mapped))]
			rec.key, rec.secret, rec.duplicateOfKey = prev.key, prev.secret, true
		}
	}
	status, body, err = storeCall(e, w, http.MethodPost, "/applications/"+rec.appID+"/map-keys",
		`{"consumerKey":"`+rec.key+`","consumerSecret":"`+rec.secret+`","keyType":"PRODUCTION"}`)
	rec.mapOut = classifyJSON(status, body, err)
	switch {
	case rec.mapOut == acked && rec.duplicateOfKey:
		w.unexpectedf("mapping %s a second time succeeded", rec.key)
	case rec.mapOut == faulted && !rec.duplicateOfKey:
		w.unexpectedf("mapping %s: HTTP %d %s", rec.key, status, body)
	case rec.mapOut == faulted && status != http.StatusConflict:
		w.unexpectedf("mapping %s a second time: HTTP %d, want 409", rec.key, status)
	}
	k.recs[w.id] = append(k.recs[w.id], rec)
	return rec.mapOut == acked || rec.mapOut == faulted
}

func (k *keyMappings) checkDB(t *testing.T, db *schema.DB) {
	t.Helper()
	ctx := context.Background()
	for _, recs := range k.recs {
		for _, rec := range recs {
			app, err := db.FindStoreApplicationByName(ctx, admin.SuperTenantID, "admin", rec.app)
			appStored := err == nil
			switch rec.appOut {
			case acked:
				if !appStored {
					t.Errorf("acknowledged store application %s is lost", rec.app)
					continue
				}
			case faulted, refused:
				if appStored {
					t.Errorf("%s store application %s is stored", rec.appOut, rec.app)
				}
				continue
			case unknown:
				continue
			}
			var mapped *store.KeyMapping
			if ms, err := db.ListKeyMappings(ctx, app.ID); err == nil {
				for _, m := range ms {
					if m.ConsumerKey == rec.key {
						mapped = m
					}
				}
			}
			client, clientErr := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, rec.key)
			switch rec.mapOut {
			case acked:
				if mapped == nil || mapped.Mode != store.ModeMapped {
					t.Errorf("acknowledged mapping of %s to %s is lost: %+v", rec.key, rec.app, mapped)
				}
				if clientErr != nil || client.ConsumerSecret != rec.secret {
					t.Errorf("the provisioned client %s is lost or changed: %v", rec.key, clientErr)
				}
			case faulted, refused:
				if mapped != nil {
					t.Errorf("%s mapping of %s to %s is stored", rec.mapOut, rec.key, rec.app)
				}
				if !rec.duplicateOfKey && clientErr == nil {
					t.Errorf("%s mapping of %s left its client behind", rec.mapOut, rec.key)
				}
			}
		}
	}
}

func (k *keyMappings) checkServer(t *testing.T, e *crashEnv, w *crashWriter) {
	t.Helper()
	for _, rec := range k.recs[w.id] {
		if rec.appOut != acked || rec.mapOut != acked {
			continue
		}
		status, body, err := storeCall(e, w, http.MethodGet, "/applications/"+rec.appID+"/oauth-keys", "")
		if err != nil || status != http.StatusOK || !strings.Contains(string(body), `"`+rec.key+`"`) || !strings.Contains(string(body), `"MAPPED"`) {
			t.Errorf("acknowledged mapping of %s is not served: HTTP %d %v %.300s", rec.key, status, err, body)
		}
	}
}

func (k *keyMappings) summary() string {
	return "applications " + countOutcomes(k.recs, func(r mapRecord) outcome { return r.appOut }) +
		"; mappings " + countOutcomes(k.recs, func(r mapRecord) outcome { return r.mapOut })
}
