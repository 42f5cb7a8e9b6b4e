package storeapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// The devportal operations a page of applications calls beside the
// applications and their keys: the key managers, the throttling
// policies, the application attributes, and the (always empty) APIs and
// subscriptions of a server that publishes no APIs.

// keyManagerInfo is the devportal's KeyManagerInfo.
type keyManagerInfo struct {
	ID                         string   `json:"id"`
	Name                       string   `json:"name"`
	Type                       string   `json:"type"`
	DisplayName                string   `json:"displayName"`
	Description                string   `json:"description"`
	Enabled                    bool     `json:"enabled"`
	AvailableGrantTypes        []string `json:"availableGrantTypes"`
	TokenEndpoint              string   `json:"tokenEndpoint"`
	RevokeEndpoint             string   `json:"revokeEndpoint"`
	EnableTokenGeneration      bool     `json:"enableTokenGeneration"`
	EnableTokenEncryption      bool     `json:"enableTokenEncryption"`
	EnableTokenHashing         bool     `json:"enableTokenHashing"`
	EnableOAuthAppCreation     bool     `json:"enableOAuthAppCreation"`
	EnableMapOAuthConsumerApps bool     `json:"enableMapOAuthConsumerApps"`
	ApplicationConfiguration   []any    `json:"applicationConfiguration"`
	TokenType                  string   `json:"tokenType"`
}

// getKeyManagers lists the key managers, as the devportal shows them: the
// resident one first, of type "default" as API Manager names its own.
func (s *Server) getKeyManagers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	list := []keyManagerInfo{}
	names := s.keyManagerNames()
	for i, n := range names {
		if n == ResidentKeyManager && i > 0 {
			names[0], names[i] = names[i], names[0]
		}
	}
	for _, name := range names {
		km := s.KeyManagers[name]
		grants, err := km.AllowedGrantTypes(r.Context())
		if err != nil {
			s.fail(w, r, kmFailure(name, err))
			return
		}
		info := keyManagerInfo{
			ID: "km-" + url.PathEscape(strings.ToLower(strings.ReplaceAll(name, " ", "-"))), Name: name, DisplayName: name,
			Enabled: true, AvailableGrantTypes: orEmpty(grants), EnableOAuthAppCreation: true,
			EnableMapOAuthConsumerApps: s.mapExisting(), ApplicationConfiguration: []any{}, TokenType: "DIRECT",
		}
		switch k := km.(type) {
		case *Local:
			info.Type, info.Description = "default", "This server's own OAuth clients."
			info.TokenEndpoint, info.RevokeEndpoint = base+"/oauth2/token", base+"/oauth2/revoke"
			info.EnableTokenGeneration = k.Tokens != nil
			info.EnableTokenHashing = s.HashTokens
		case *Remote:
			info.Type, info.Description = "WSO2-IS", "A WSO2 Identity Server (or another isadmin) reached over its OAuthAdminService."
			info.TokenEndpoint = k.TokenURL
			info.RevokeEndpoint = strings.TrimSuffix(k.TokenURL, "/token") + "/revoke"
			info.EnableTokenGeneration = true
		default:
			info.Type = "custom"
			_, info.EnableTokenGeneration = km.(TokenIssuer)
		}
		list = append(list, info)
	}
	writeJSON(w, http.StatusOK, struct {
		Count int              `json:"count"`
		List  []keyManagerInfo `json:"list"`
	}{len(list), list})
}

// throttlingPolicy is the devportal's ThrottlingPolicy.
type throttlingPolicy struct {
	Name             string `json:"name"`
	Description      string `json:"description"`
	PolicyLevel      string `json:"policyLevel"`
	RequestCount     int64  `json:"requestCount"`
	UnitTime         int64  `json:"unitTime"`
	TimeUnit         string `json:"timeUnit"`
	QuotaPolicyType  string `json:"quotaPolicyType"`
	TierPlan         string `json:"tierPlan"`
	StopOnQuotaReach bool   `json:"stopOnQuotaReach"`
}

// throttlingPolicies are API Manager's default policies of each level
// (its default deployment's application and subscription tiers). The
// store keeps an application's policy as given and enforces none: this
// server serves no APIs to throttle.
var throttlingPolicies = map[string][]throttlingPolicy{
	"application": {
		{"10PerMin", "Allows 10 requests per minute", "application", 10, 1, "min", "REQUESTCOUNT", "FREE", true},
		{"20PerMin", "Allows 20 requests per minute", "application", 20, 1, "min", "REQUESTCOUNT", "FREE", true},
		{"50PerMin", "Allows 50 requests per minute", "application", 50, 1, "min", "REQUESTCOUNT", "FREE", true},
		{"Unlimited", "Allows unlimited requests", "application", 2147483647, 1, "min", "REQUESTCOUNT", "FREE", true},
	},
	"subscription": {
		{"Bronze", "Allows 1000 requests per minute", "subscription", 1000, 1, "min", "REQUESTCOUNT", "FREE", true},
		{"Silver", "Allows 2000 requests per minute", "subscription", 2000, 1, "min", "REQUESTCOUNT", "FREE", true},
		{"Gold", "Allows 5000 requests per minute", "subscription", 5000, 1, "min", "REQUESTCOUNT", "FREE", true},
		{"Unlimited", "Allows unlimited requests", "subscription", 2147483647, 1, "min", "REQUESTCOUNT", "FREE", true},
	},
}

func (s *Server) policiesOf(ps httprouter.Params) ([]throttlingPolicy, error) {
	level := ps.ByName("policyLevel")
	list, ok := throttlingPolicies[level]
	if !ok {
		return nil, badRequest("policyLevel must be application or subscription, not %q.", level)
	}
	return list, nil
}

// getThrottlingPolicies lists the policies of a level.
func (s *Server) getThrottlingPolicies(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	list, err := s.policiesOf(ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Count      int                `json:"count"`
		List       []throttlingPolicy `json:"list"`
		Pagination pagination         `json:"pagination"`
	}{len(list), list, pagination{Offset: 0, Limit: len(list), Total: len(list)}})
}

// getThrottlingPolicy returns one policy of a level.
func (s *Server) getThrottlingPolicy(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	list, err := s.policiesOf(ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, p := range list {
		if p.Name == ps.ByName("policyId") {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	s.fail(w, r, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested throttling policy with Id '%s' not found", ps.ByName("policyId"))})
}

// getApplicationAttributes lists the attributes applications may carry:
// none are configured (API Manager's default).
func (s *Server) getApplicationAttributes(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, struct {
		Count int   `json:"count"`
		List  []any `json:"list"`
	}{0, []any{}})
}

// emptyList answers a listing of what this server has none of: APIs,
// subscriptions.
func (s *Server) emptyList(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if id := r.URL.Query().Get("applicationId"); id != "" {
		if _, err := s.ownedApplication(r.Context(), caller(r), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Count      int        `json:"count"`
		List       []any      `json:"list"`
		Pagination pagination `json:"pagination"`
	}{0, []any{}, pagination{}})
}

// noAPI answers a request for an API: none exist here.
func (s *Server) noAPI(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	s.fail(w, r, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested API with Id '%s' not found: this server publishes no APIs.", ps.ByName("apiId"))})
}

// noSubscription answers a request for a subscription: none exist here.
func (s *Server) noSubscription(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	s.fail(w, r, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested subscription with Id '%s' not found: this server publishes no APIs to subscribe to.", ps.ByName("subscriptionId"))})
}

// subscribe refuses a subscription: there is no API to subscribe to.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.fail(w, r, &Error{Status: http.StatusNotFound, Description: "This server publishes no APIs: there is nothing to subscribe to."})
}

// byKeyType runs a handler of a key mapping for the older
// /applications/{applicationId}/keys/{keyType} paths: the mapping of that
// key type in the resident key manager.
func byKeyType(h func(s *Server, w http.ResponseWriter, r *http.Request, ps httprouter.Params)) func(s *Server, w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	return func(s *Server, w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		ctx := r.Context()
		app, err := s.ownedApplication(ctx, caller(r), ps.ByName("applicationId"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		keyType := ps.ByName("keyType")
		if err := checkKeyType(keyType); err != nil {
			s.fail(w, r, err)
			return
		}
		keys, err := s.Store.ListKeyMappings(ctx, app.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range keys {
			if m.KeyType == keyType && m.KeyManager == ResidentKeyManager {
				h(s, w, r, httprouter.Params{{Key: "applicationId", Value: app.UUID}, {Key: "keyMappingId", Value: m.UUID}})
				return
			}
		}
		s.fail(w, r, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Application %q has no %s keys in key manager %q.", app.Name, keyType, ResidentKeyManager)})
	}
}
