package storeapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
)

// jagDefaultGrants are the grant types generateApplicationKey gives a
// client, among those the key manager allows.
var jagDefaultGrants = []string{"client_credentials", "password", "refresh_token"}

// jagValidity reads the validityTime of a token action: seconds; a
// negative value (the page sends -1, the store turns it into -2) asks
// for a token that never expires; empty or 0 takes the key manager's.
func jagValidity(v string) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, badRequest("validityTime must be a number of seconds, got %q.", v)
	}
	if n < 0 {
		return -1, nil
	}
	return time.Duration(n) * time.Second, nil
}

// tokenIssuer returns the token side of a key manager.
func (s *Server) tokenIssuer(name string) (KeyManager, TokenIssuer, error) {
	km, ok := s.KeyManagers[name]
	if !ok {
		return nil, nil, badRequest("Key manager %q is not configured.", name)
	}
	issuer, ok := km.(TokenIssuer)
	if !ok {
		return nil, nil, badRequest("Key manager %q issues no tokens.", name)
	}
	return km, issuer, nil
}

// jagGenerateApplicationKey creates the keys of an application of a key
// type in the resident key manager and gets them a token
// (action=generateApplicationKey with application, keytype, callbackUrl,
// validityTime, tokenScope; jsonParams grant_types optional), as API
// Manager 1.9's "Generate Keys" does. When no token can be had, the keys
// are taken back.
func (s *Server) jagGenerateApplicationKey(w http.ResponseWriter, r *http.Request, form url.Values) {
	p, ctx, ok := s.jagUser(w, r)
	if !ok {
		return
	}
	app, err := s.jagOwnedApplication(ctx, p, form.Get("application"))
	if err != nil {
		s.jagFail(w, err)
		return
	}
	validity, err := jagValidity(form.Get("validityTime"))
	if err != nil {
		s.jagFail(w, err)
		return
	}
	var params struct {
		GrantTypes json.RawMessage `json:"grant_types"`
	}
	if raw := form.Get("jsonParams"); raw != "" {
		if err := checkJSON([]byte(raw), reflect.TypeOf(&params)); err != nil {
			s.jagFail(w, err)
			return
		}
		if err := json.Unmarshal([]byte(raw), &params); err != nil {
			jagMessage(w, "jsonParams must be a JSON object such as {\"grant_types\":\"client_credentials\"}.")
			return
		}
	}
	km, issuer, err := s.tokenIssuer(ResidentKeyManager)
	if err != nil {
		s.jagFail(w, err)
		return
	}
	grants := grantList(params.GrantTypes)
	if len(grants) == 0 {
		allowed, err := km.AllowedGrantTypes(ctx)
		if err != nil {
			s.jagFail(w, kmFailure(ResidentKeyManager, err))
			return
		}
		for _, g := range jagDefaultGrants {
			if slices.Contains(allowed, g) {
				grants = append(grants, g)
			}
		}
	}
	m, client, err := s.generate(ctx, p, app, keyGenerateRequest{
		KeyType: strings.ToUpper(strings.TrimSpace(form.Get("keytype"))), KeyManager: ResidentKeyManager,
		GrantTypesToBeSupported: grants, CallbackURL: form.Get("callbackUrl"),
	})
	if err != nil {
		s.jagFail(w, err)
		return
	}
	scopes := strings.Fields(form.Get("tokenScope"))
	t, err := issuer.ClientCredentialsToken(ctx, client.ConsumerKey, client.ConsumerSecret, scopes, validity)
	if err != nil {
		err = kmFailure(ResidentKeyManager, err)
		if derr := s.takeBackKeys(ctx, km, m); derr != nil {
			err = errors.Join(err, derr)
		}
		s.jagFail(w, err)
		return
	}
	details, _ := json.Marshal(map[string]string{
		"grant_types": strings.Join(client.GrantTypes, " "), "redirect_uris": client.CallbackURL, "client_name": client.Name,
	})
	out := struct {
		Error bool `json:"error"`
		Data  struct {
			Key jagKey `json:"key"`
		} `json:"data"`
	}{}
	out.Data.Key = jagKey{ConsumerKey: client.ConsumerKey, ConsumerSecret: client.ConsumerSecret, AccessToken: t.AccessToken,
		ValidityTime: strconv.FormatInt(t.ExpiresIn, 10), TokenScope: strings.Join(t.Scopes, " "), AppDetails: string(details),
		KeyType: m.KeyType, KeyState: m.State, Mode: m.Mode, AccessAllowDomains: "ALL", EnableRegenerate: true}
	writeJag(w, out)
}

// takeBackKeys deletes the mapping and the client a failed key generation
// made.
func (s *Server) takeBackKeys(ctx context.Context, km KeyManager, m *store.KeyMapping) error {
	if err := s.Store.DeleteKeyMapping(ctx, m.ID); err != nil && !errors.Is(err, admin.ErrNotFound) {
		return err
	}
	if err := km.DeleteClient(ctx, m.ConsumerKey); err != nil && !errors.Is(err, ErrClientNotFound) {
		return err
	}
	return nil
}

// jagRefreshToken is the "Re-generate" button (action=refreshToken with
// application, keytype, oldAccessToken, clientId, clientSecret,
// validityTime, tokenScope): the old token is revoked (a refusal aborts),
// then a new one is got. As API Manager 1.9's store answers, consumerSecret
// repeats the consumer key.
func (s *Server) jagRefreshToken(w http.ResponseWriter, r *http.Request, form url.Values) {
	p, ctx, ok := s.jagUser(w, r)
	if !ok {
		return
	}
	app, err := s.jagOwnedApplication(ctx, p, form.Get("application"))
	if err != nil {
		s.jagFail(w, err)
		return
	}
	validity, err := jagValidity(form.Get("validityTime"))
	if err != nil {
		s.jagFail(w, err)
		return
	}
	keyType := strings.ToUpper(strings.TrimSpace(form.Get("keytype")))
	keys, err := s.Store.ListKeyMappings(ctx, app.ID)
	if err != nil {
		s.jagFail(w, err)
		return
	}
	var m *store.KeyMapping
	for _, k := range keys {
		if k.KeyType == keyType && k.KeyManager == ResidentKeyManager {
			m = k
		}
	}
	clientID := strings.TrimSpace(form.Get("clientId"))
	switch {
	case m == nil:
		s.jagFail(w, badRequest("Application %q has no %s keys.", app.Name, keyType))
		return
	case clientID != "" && clientID != m.ConsumerKey:
		s.jagFail(w, badRequest("clientId %q is not the consumer key of the application's %s keys.", clientID, keyType))
		return
	}
	t, err := s.refreshToken(ctx, m, form.Get("clientSecret"), strings.TrimSpace(form.Get("oldAccessToken")), strings.Fields(form.Get("tokenScope")), validity)
	if err != nil {
		s.jagFail(w, err)
		return
	}
	scopes := t.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	expires := t.ExpiresIn
	out := struct {
		Error bool `json:"error"`
		Data  struct {
			Key struct {
				AccessToken      string   `json:"accessToken"`
				ConsumerKey      string   `json:"consumerKey"`
				ConsumerSecret   string   `json:"consumerSecret"`
				ResponseParams   string   `json:"responseParams"`
				TokenScope       []string `json:"tokenScope"`
				ValidityTime     int64    `json:"validityTime"`
				EnableRegenerate bool     `json:"enableRegenarate"`
			} `json:"key"`
		} `json:"data"`
	}{}
	k := &out.Data.Key
	k.AccessToken, k.ConsumerKey, k.ConsumerSecret = t.AccessToken, m.ConsumerKey, m.ConsumerKey
	k.TokenScope, k.ValidityTime, k.EnableRegenerate = scopes, expires, true
	writeJag(w, out)
}
