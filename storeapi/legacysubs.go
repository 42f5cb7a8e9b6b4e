package storeapi

import (
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// SubscriptionListJag is the Jaggery action API Manager 1.9's
// "Subscriptions" page reads the applications' keys with.
const SubscriptionListJag = "/store/site/blocks/subscription/subscription-list/ajax/subscription-list.jag"

// jagSubscriptionApp is an application of getAllSubscriptions: its keys of
// each type (the resident key manager's), and the APIs it subscribes to,
// none here. The fields are 1.9's, as a public client's fixture of
// subscription-list.jag shows them; access tokens are not kept by the
// store, so prodKey and sandboxKey are null ("Re-generate" gets one).
type jagSubscriptionApp struct {
	ID                       int64   `json:"id"`
	Name                     string  `json:"name"`
	CallbackURL              *string `json:"callbackUrl"`
	ProdKey                  *string `json:"prodKey"`
	ProdKeyScope             *string `json:"prodKeyScope"`
	ProdKeyScopeValue        *string `json:"prodKeyScopeValue"`
	ProdConsumerKey          *string `json:"prodConsumerKey"`
	ProdConsumerSecret       *string `json:"prodConsumerSecret"`
	ProdRegenarateOption     bool    `json:"prodRegenarateOption"`
	ProdAuthorizedDomains    *string `json:"prodAuthorizedDomains"`
	ProdValidityTime         int64   `json:"prodValidityTime"`
	ProdJSONString           *string `json:"prodJsonString"`
	SandboxKey               *string `json:"sandboxKey"`
	SandKeyScope             *string `json:"sandKeyScope"`
	SandKeyScopeValue        *string `json:"sandKeyScopeValue"`
	SandboxConsumerKey       *string `json:"sandboxConsumerKey"`
	SandboxConsumerSecret    *string `json:"sandboxConsumerSecret"`
	SandRegenarateOption     bool    `json:"sandRegenarateOption"`
	SandboxAuthorizedDomains *string `json:"sandboxAuthorizedDomains"`
	SandboxJSONString        *string `json:"sandboxJsonString"`
	SandValidityTime         int64   `json:"sandValidityTime"`
	Subscriptions            []any   `json:"subscriptions"`
	Scopes                   []any   `json:"scopes"`
}

// serveSubscriptionListJag answers action=getAllSubscriptions (a form
// post, or a GET with the action in the query): the caller's
// applications with their keys.
func (s *Server) serveSubscriptionListJag(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form, ctx, apps, ok := s.jagApplications(w, r, "getAllSubscriptions")
	if !ok {
		return
	}
	km := s.KeyManagers[ResidentKeyManager]
	out := []jagSubscriptionApp{}
	for _, app := range apps {
		if sel := form.Get("selectedApp"); sel != "" && sel != app.Name {
			continue
		}
		a := jagSubscriptionApp{ID: app.ID, Name: app.Name, ProdRegenarateOption: true, SandRegenarateOption: true,
			ProdValidityTime: 3600, SandValidityTime: 3600, Subscriptions: []any{}, Scopes: []any{}}
		if app.CallbackURL != "" {
			a.CallbackURL = &app.CallbackURL
		}
		keys, err := s.Store.ListKeyMappings(ctx, app.ID)
		if err != nil {
			s.jagFail(w, err)
			return
		}
		for _, m := range keys {
			if m.KeyManager != ResidentKeyManager || km == nil {
				continue
			}
			c, err := km.Client(ctx, m.ConsumerKey)
			if errors.Is(err, ErrClientNotFound) {
				continue
			}
			if err != nil {
				s.jagFail(w, kmFailure(ResidentKeyManager, err))
				return
			}
			key, secret, all := c.ConsumerKey, c.ConsumerSecret, "ALL"
			if m.KeyType == "PRODUCTION" {
				a.ProdConsumerKey, a.ProdConsumerSecret, a.ProdAuthorizedDomains = &key, &secret, &all
			} else {
				a.SandboxConsumerKey, a.SandboxConsumerSecret, a.SandboxAuthorizedDomains = &key, &secret, &all
			}
		}
		out = append(out, a)
	}
	type subscriptions struct {
		Applications []jagSubscriptionApp `json:"applications"`
		TotalLength  int                  `json:"totalLength"`
	}
	writeJag(w, struct {
		Error         bool          `json:"error"`
		Subscriptions subscriptions `json:"subscriptions"`
	}{false, subscriptions{out, len(out)}})
}
