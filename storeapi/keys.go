package storeapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
)

// Values of keyView.Provisioning: whether map-keys found the client in the
// key manager or registered it there.
const (
	ProvisioningFound       = "FOUND"
	ProvisioningProvisioned = "PROVISIONED"
)

// maxConsumerKeyLength is the longest consumer key a key mapping holds:
// AM_APPLICATION_KEY_MAPPING.CONSUMER_KEY is VARCHAR(512) in API Manager's
// h2.sql (wso2/carbon-apimgt at 92a4142100db03efddd0ae9ab0e6e00fc6f29c60,
// line 506) but VARCHAR(255) in its mysql.sql (at
// 4198eb898eec73e86c117b1362c9ef6df7575154), and the key manager's own
// IDN_OAUTH_CONSUMER_APPS.CONSUMER_KEY is VARCHAR(255): the smaller wins.
const maxConsumerKeyLength = 255

// defaultGrantTypes are the grant types of a provisioned client when the
// request names none.
var defaultGrantTypes = []string{"client_credentials"}

// keyView is the devportal ApplicationKey, with this server's extension
// provisioning.
type keyView struct {
	KeyMappingID         string         `json:"keyMappingId"`
	KeyManager           string         `json:"keyManager"`
	ConsumerKey          string         `json:"consumerKey"`
	ConsumerSecret       string         `json:"consumerSecret,omitempty"`
	SupportedGrantTypes  []string       `json:"supportedGrantTypes,omitempty"`
	CallbackURL          *string        `json:"callbackUrl,omitempty"`
	KeyState             string         `json:"keyState"`
	KeyType              string         `json:"keyType"`
	Mode                 string         `json:"mode"`
	AdditionalProperties map[string]any `json:"additionalProperties"`
	Provisioning         string         `json:"provisioning,omitempty"`
}

type keyList struct {
	Count int       `json:"count"`
	List  []keyView `json:"list"`
}

// keyViewOf shows a key mapping with the client settings of c, when known.
func keyViewOf(m *store.KeyMapping, c *OAuthClient) keyView {
	v := keyView{
		KeyMappingID: m.UUID, KeyManager: m.KeyManager, ConsumerKey: m.ConsumerKey, KeyState: m.State,
		KeyType: m.KeyType, Mode: m.Mode, AdditionalProperties: map[string]any{},
	}
	if m.Mode == store.ModeMapped {
		v.Provisioning = ProvisioningFound
		if m.Provisioned {
			v.Provisioning = ProvisioningProvisioned
		}
	}
	if c != nil {
		callback := c.CallbackURL
		v.ConsumerSecret, v.SupportedGrantTypes, v.CallbackURL = c.ConsumerSecret, orEmpty(c.GrantTypes), &callback
	}
	return v
}

type keyGenerateRequest struct {
	KeyType                 string   `json:"keyType"`
	KeyManager              string   `json:"keyManager"`
	GrantTypesToBeSupported []string `json:"grantTypesToBeSupported"`
	CallbackURL             string   `json:"callbackUrl"`
}

type keyMappingRequest struct {
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
	KeyManager     string `json:"keyManager"`
	KeyType        string `json:"keyType"`
	// SupportedGrantTypes and CallbackURL are this server's extension: the
	// settings of a client the store provisions.
	SupportedGrantTypes []string `json:"supportedGrantTypes"`
	CallbackURL         string   `json:"callbackUrl"`
}

type keyUpdateRequest struct {
	SupportedGrantTypes *[]string `json:"supportedGrantTypes"`
	CallbackURL         *string   `json:"callbackUrl"`
}

type secretView struct {
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
}

func checkKeyType(t string) error {
	if t != store.KeyTypeProduction && t != store.KeyTypeSandbox {
		if t == "" {
			return badRequest("keyType is required: PRODUCTION or SANDBOX.")
		}
		return badRequest("keyType must be PRODUCTION or SANDBOX, not %q.", t)
	}
	return nil
}

func (s *Server) keyManagerNames() []string {
	names := make([]string, 0, len(s.KeyManagers))
	for name := range s.KeyManagers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// keyManager resolves the key manager a request names; "" is the resident
// one.
func (s *Server) keyManager(name string) (string, KeyManager, error) {
	if name == "" {
		name = ResidentKeyManager
	}
	km := s.KeyManagers[name]
	if km == nil {
		return name, nil, badRequest("Key manager %q is not configured on this server (configured: %s).", name, strings.Join(s.keyManagerNames(), ", "))
	}
	return name, km, nil
}

// kmFailure turns a key manager failure into the answer.
func kmFailure(name string, err error) error {
	var ke *KeyManagerError
	if !errors.As(err, &ke) {
		return err
	}
	switch ke.Status {
	case http.StatusBadRequest:
		return &Error{Status: http.StatusBadRequest, Description: fmt.Sprintf("Key manager %q refused the request: %s", name, ke.Message), Err: err}
	case http.StatusBadGateway:
		return &Error{Status: http.StatusBadGateway, Description: fmt.Sprintf("Key manager %q failed: %s", name, ke.Message), Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Description: internalDescription, Err: err}
}

// checkGrants checks grant types and callback against what the key manager
// allows.
func checkGrants(ctx context.Context, name string, km KeyManager, grants []string, callback string) error {
	allowed, err := km.AllowedGrantTypes(ctx)
	if err != nil {
		return kmFailure(name, err)
	}
	for _, g := range grants {
		if !slices.Contains(allowed, g) {
			return badRequest("Grant type %q is not allowed by key manager %q (allowed: %s).", g, name, strings.Join(allowed, ", "))
		}
	}
	if (slices.Contains(grants, "authorization_code") || slices.Contains(grants, "implicit")) && strings.TrimSpace(callback) == "" {
		return badRequest("A callbackUrl is required for the authorization_code and implicit grant types.")
	}
	return nil
}

// uniqueFields returns the distinct non-empty values of list, in order.
func uniqueFields(list []string) []string {
	out := []string{}
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// clientName is the name of a client the store registers, as API Manager
// names them: owner_application_KEYTYPE.
func clientName(p admin.Principal, app *store.Application, keyType string) string {
	return ownerName(p.TenantDomain, app.Owner) + "_" + app.Name + "_" + keyType
}

func keyTypeTaken(app *store.Application, keyType, km string) *Error {
	return conflict("Application %q has %s keys of key manager %q already; remove them before adding others.", app.Name, keyType, km)
}

func keyMapped(key string) *Error {
	return conflict("Consumer key %q is mapped to another application already.", key)
}

// checkKeyTypeFree refuses a key type the application has keys of in the
// key manager.
func (s *Server) checkKeyTypeFree(ctx context.Context, app *store.Application, keyType, km string) error {
	keys, err := s.Store.ListKeyMappings(ctx, app.ID)
	if err != nil {
		return err
	}
	for _, m := range keys {
		if m.KeyType == keyType && m.KeyManager == km {
			return keyTypeTaken(app, keyType, km)
		}
	}
	return nil
}

// saveMapping stores a mapping; when that fails, the client the request
// generated is deleted again (created set) so nothing is left behind. Only
// generated clients may be: nobody else knows their key.
func (s *Server) saveMapping(ctx context.Context, app *store.Application, km KeyManager, m *store.KeyMapping, created bool) error {
	err := s.Store.CreateKeyMapping(ctx, m)
	if err == nil {
		return nil
	}
	if created {
		if derr := km.DeleteClient(ctx, m.ConsumerKey); derr != nil && !errors.Is(derr, ErrClientNotFound) {
			err = errors.Join(err, fmt.Errorf("storeapi: deleting client %q again: %w", m.ConsumerKey, derr))
		}
	}
	switch {
	case errors.Is(err, store.ErrKeyTypeTaken):
		return &Error{Status: http.StatusConflict, Description: keyTypeTaken(app, m.KeyType, m.KeyManager).Description, Err: err}
	case errors.Is(err, store.ErrConsumerKeyMapped):
		return &Error{Status: http.StatusConflict, Description: keyMapped(m.ConsumerKey).Description, Err: err}
	case errors.Is(err, admin.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested application with Id '%s' not found", app.UUID), Err: err}
	}
	return err
}

// generateKeys creates an OAuth client in the key manager and maps it to
// the application as CREATED keys.
func (s *Server) generateKeys(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx, p := r.Context(), caller(r)
	app, err := s.ownedApplication(ctx, p, ps.ByName("applicationId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req keyGenerateRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	m, client, err := s.generate(ctx, p, app, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyViewOf(m, client))
}

func (s *Server) generate(ctx context.Context, p admin.Principal, app *store.Application, req keyGenerateRequest) (*store.KeyMapping, *OAuthClient, error) {
	if err := checkKeyType(req.KeyType); err != nil {
		return nil, nil, err
	}
	name, km, err := s.keyManager(req.KeyManager)
	if err != nil {
		return nil, nil, err
	}
	grants := uniqueFields(req.GrantTypesToBeSupported)
	if len(grants) == 0 {
		return nil, nil, badRequest("grantTypesToBeSupported must name at least one grant type.")
	}
	if err := checkGrants(ctx, name, km, grants, req.CallbackURL); err != nil {
		return nil, nil, err
	}
	if err := s.checkKeyTypeFree(ctx, app, req.KeyType, name); err != nil {
		return nil, nil, err
	}
	client, err := km.CreateClient(ctx, &OAuthClient{Name: clientName(p, app, req.KeyType), CallbackURL: req.CallbackURL, GrantTypes: grants})
	switch {
	case errors.Is(err, ErrClientNameTaken):
		return nil, nil, conflict("Key manager %q has an OAuth client named %q already.", name, clientName(p, app, req.KeyType))
	case err != nil:
		return nil, nil, kmFailure(name, err)
	}
	m := &store.KeyMapping{UUID: s.newUUID(), ApplicationID: app.ID, KeyType: req.KeyType, KeyManager: name,
		ConsumerKey: client.ConsumerKey, Mode: store.ModeCreated, State: store.StateApproved}
	if err := s.saveMapping(ctx, app, km, m, true); err != nil {
		return nil, nil, err
	}
	return m, client, nil
}

// mappingAllowed refuses mapping when the feature is off.
func (s *Server) mappingAllowed() error {
	if !s.mapExisting() {
		return &Error{Status: http.StatusForbidden, Description: "Mapping existing OAuth clients is switched off on this server (--map-existing-auth-apps=false)."}
	}
	return nil
}

// mapKeys maps an existing OAuth client to the application as MAPPED keys.
func (s *Server) mapKeys(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx, p := r.Context(), caller(r)
	if err := s.mappingAllowed(); err != nil {
		s.fail(w, r, err)
		return
	}
	var req keyMappingRequest
	// A bad body is answered after the application's lookup, which the
	// request's keys join.
	bad := decodeJSON(r, &req)
	m, client, err := s.mapClient(ctx, p, ps.ByName("applicationId"), req, bad)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyViewOf(m, client))
}

// invalidCredentials answers a wrong secret, and a key the caller may not
// see, alike.
func invalidCredentials(key, km string) *Error {
	return badRequest("The consumer key %q and the consumer secret do not match an OAuth client of key manager %q.", key, km)
}

// secretsEqual compares secrets in constant time.
func secretsEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1 && a != ""
}

// mapClient maps an OAuth client to p's application with the UUID, after
// these checks in this order (the feature switch is checked before): the
// application exists and p owns it; the request could be read (bad, the
// error reading it, if any); the request is complete and names a
// configured key manager; the application has no keys of the type in that
// key manager; the consumer key is not mapped in that key manager; the key
// manager knows the key and the secret matches. A key the key manager does
// not know is registered there with the supplied secret when
// ProvisionUnknownKeys is set. On failure nothing is changed.
func (s *Server) mapClient(ctx context.Context, p admin.Principal, uuid string, req keyMappingRequest, bad error) (*store.KeyMapping, *OAuthClient, error) {
	req.ConsumerKey = strings.TrimSpace(req.ConsumerKey)
	name, km, kmErr := s.keyManager(req.KeyManager)
	// One read finds the application and what would refuse the mapping;
	// the latter counts only once the request has passed its checks.
	app, conflicts, err := s.Store.FindStoreApplicationForMapping(ctx, p.TenantID, uuid, req.KeyType, name, req.ConsumerKey)
	if app, err = owned(p, uuid, app, err); err != nil {
		return nil, nil, err
	}
	if bad != nil {
		return nil, nil, bad
	}
	switch {
	case req.ConsumerKey == "":
		return nil, nil, badRequest("consumerKey is required.")
	case req.ConsumerSecret == "":
		return nil, nil, badRequest("consumerSecret is required: the key manager checks it before the keys are mapped.")
	case utf8.RuneCountInString(req.ConsumerKey) > maxConsumerKeyLength:
		msg := fmt.Sprintf("consumerKey may have at most %d characters", maxConsumerKeyLength)
		return nil, nil, &Error{Status: http.StatusBadRequest, Description: "Invalid key mapping: " + msg + ".",
			Items: []ErrorItem{{Code: "consumerKey", Message: msg}}}
	}
	if err := checkKeyType(req.KeyType); err != nil {
		return nil, nil, err
	}
	if kmErr != nil {
		return nil, nil, kmErr
	}
	switch holder := conflicts.Holder; {
	case conflicts.TypeTaken:
		return nil, nil, keyTypeTaken(app, req.KeyType, name)
	case holder != 0:
		if other, err := s.Store.FindStoreApplicationByID(ctx, p.TenantID, holder); err == nil && other.Owner == p.Username {
			return nil, nil, conflict("Consumer key %q is mapped to application %q already.", req.ConsumerKey, other.Name)
		}
		return nil, nil, keyMapped(req.ConsumerKey)
	}

	newMapping := func(provisioned bool) *store.KeyMapping {
		return &store.KeyMapping{UUID: s.newUUID(), ApplicationID: app.ID, KeyType: req.KeyType, KeyManager: name,
			ConsumerKey: req.ConsumerKey, Mode: store.ModeMapped, State: store.StateCompleted, Provisioned: provisioned}
	}
	client, err := km.Client(ctx, req.ConsumerKey)
	switch {
	case errors.Is(err, ErrClientNotFound):
		if !s.provisionUnknown() {
			return nil, nil, badRequest("Unknown consumer key %q: key manager %q has no OAuth client with this key.", req.ConsumerKey, name)
		}
		return s.provision(ctx, p, app, name, km, req, newMapping)
	case err != nil:
		return nil, nil, kmFailure(name, err)
	case !secretsEqual(client.ConsumerSecret, req.ConsumerSecret):
		return nil, nil, invalidCredentials(req.ConsumerKey, name)
	}
	m := newMapping(false)
	if err := s.saveMapping(ctx, app, km, m, false); err != nil {
		return nil, nil, err
	}
	return m, client, nil
}

// provision registers an unknown consumer key in the key manager with the
// supplied secret and maps it. The mapping is stored first: the database
// arbitrates between concurrent requests before the key manager is touched,
// so a client registered here is never one another request has mapped, and
// taking the mapping back undoes everything. When the key manager has the
// key by then (another request registered it), the client is checked and
// mapped as a found one. A key the key manager refuses as taken but does
// not show the caller (a remote IS 5.x keeps keys unique across its
// tenants) is answered like a wrong secret, naming no tenant.
func (s *Server) provision(ctx context.Context, p admin.Principal, app *store.Application, name string, km KeyManager,
	req keyMappingRequest, newMapping func(provisioned bool) *store.KeyMapping) (*store.KeyMapping, *OAuthClient, error) {
	grants := uniqueFields(req.SupportedGrantTypes)
	if len(grants) == 0 {
		grants = defaultGrantTypes
	}
	if err := checkGrants(ctx, name, km, grants, req.CallbackURL); err != nil {
		return nil, nil, err
	}
	m := newMapping(true)
	if err := s.saveMapping(ctx, app, km, m, false); err != nil {
		return nil, nil, err
	}
	undo := func(cause error) error {
		if err := s.Store.DeleteKeyMapping(ctx, m.ID); err != nil && !errors.Is(err, admin.ErrNotFound) {
			return errors.Join(cause, fmt.Errorf("storeapi: taking back key mapping %s: %w", m.UUID, err))
		}
		return cause
	}
	clientName := clientName(p, app, req.KeyType) + "_" + req.ConsumerKey
	client, err := km.CreateClient(ctx, &OAuthClient{Name: clientName, ConsumerKey: req.ConsumerKey,
		ConsumerSecret: req.ConsumerSecret, CallbackURL: req.CallbackURL, GrantTypes: grants})
	switch {
	case err == nil:
		return m, client, nil
	case errors.Is(err, ErrClientNameTaken):
		return nil, nil, undo(conflict("Key manager %q has an OAuth client named %q already.", name, clientName))
	case !errors.Is(err, ErrClientExists):
		return nil, nil, undo(kmFailure(name, err))
	}
	client, err = km.Client(ctx, req.ConsumerKey)
	switch {
	case errors.Is(err, ErrClientNotFound):
		return nil, nil, undo(invalidCredentials(req.ConsumerKey, name))
	case err != nil:
		return nil, nil, undo(kmFailure(name, err))
	case !secretsEqual(client.ConsumerSecret, req.ConsumerSecret):
		return nil, nil, undo(invalidCredentials(req.ConsumerKey, name))
	}
	if err := undo(nil); err != nil {
		return nil, nil, err
	}
	found := newMapping(false)
	if err := s.saveMapping(ctx, app, km, found, false); err != nil {
		return nil, nil, err
	}
	return found, client, nil
}

// ownedMapping returns the key mapping of one of the caller's applications.
func (s *Server) ownedMapping(ctx context.Context, p admin.Principal, ps httprouter.Params) (*store.Application, *store.KeyMapping, error) {
	app, err := s.ownedApplication(ctx, p, ps.ByName("applicationId"))
	if err != nil {
		return nil, nil, err
	}
	id := ps.ByName("keyMappingId")
	m, err := s.Store.FindKeyMapping(ctx, app.ID, id)
	if errors.Is(err, admin.ErrNotFound) {
		return nil, nil, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested key mapping with Id '%s' not found for application with Id '%s'", id, app.UUID)}
	}
	if err != nil {
		return nil, nil, err
	}
	return app, m, nil
}

// clientOfMapping reads the client of a mapping from its key manager; nil
// when the key manager is no longer configured or does not know it.
func (s *Server) clientOfMapping(ctx context.Context, m *store.KeyMapping) (*OAuthClient, error) {
	km := s.KeyManagers[m.KeyManager]
	if km == nil {
		return nil, nil
	}
	c, err := km.Client(ctx, m.ConsumerKey)
	if errors.Is(err, ErrClientNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, kmFailure(m.KeyManager, err)
	}
	return c, nil
}

// getOAuthKeys lists the keys of an application with their clients.
func (s *Server) getOAuthKeys(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx, p := r.Context(), caller(r)
	app, err := s.ownedApplication(ctx, p, ps.ByName("applicationId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.Store.ListKeyMappings(ctx, app.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := keyList{List: []keyView{}}
	for _, m := range keys {
		c, err := s.clientOfMapping(ctx, m)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out.List = append(out.List, keyViewOf(m, c))
	}
	out.Count = len(out.List)
	writeJSON(w, http.StatusOK, out)
}

// getOAuthKey returns one key mapping with its client.
func (s *Server) getOAuthKey(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx := r.Context()
	_, m, err := s.ownedMapping(ctx, caller(r), ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.clientOfMapping(ctx, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyViewOf(m, c))
}

// createdKeyManager returns the key manager of a CREATED mapping; MAPPED
// clients are not the store's to change.
func (s *Server) createdKeyManager(m *store.KeyMapping, what string) (KeyManager, error) {
	if m.Mode != store.ModeCreated {
		return nil, conflict("Key mapping %s is MAPPED: its OAuth client %q is managed outside this store, so the store does not %s; do it in key manager %q.", m.UUID, m.ConsumerKey, what, m.KeyManager)
	}
	km := s.KeyManagers[m.KeyManager]
	if km == nil {
		return nil, conflict("Key manager %q of key mapping %s is no longer configured on this server.", m.KeyManager, m.UUID)
	}
	return km, nil
}

// updateOAuthKey changes the grant types and callback URL of a CREATED
// key's client in its key manager.
func (s *Server) updateOAuthKey(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx := r.Context()
	_, m, err := s.ownedMapping(ctx, caller(r), ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req keyUpdateRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	km, err := s.createdKeyManager(m, "change its grant types or callback URL")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := km.Client(ctx, m.ConsumerKey)
	if errors.Is(err, ErrClientNotFound) {
		err = conflict("Key manager %q no longer has the OAuth client %q of key mapping %s.", m.KeyManager, m.ConsumerKey, m.UUID)
	}
	if err != nil {
		s.fail(w, r, kmFailure(m.KeyManager, err))
		return
	}
	if req.SupportedGrantTypes != nil {
		c.GrantTypes = uniqueFields(*req.SupportedGrantTypes)
	}
	if req.CallbackURL != nil {
		c.CallbackURL = *req.CallbackURL
	}
	if err := checkGrants(ctx, m.KeyManager, km, c.GrantTypes, c.CallbackURL); err != nil {
		s.fail(w, r, err)
		return
	}
	updated, err := km.UpdateClient(ctx, c)
	if err != nil {
		s.fail(w, r, kmFailure(m.KeyManager, err))
		return
	}
	writeJSON(w, http.StatusOK, keyViewOf(m, updated))
}

// removeOAuthKey removes a key mapping; the client of CREATED keys is
// deleted in its key manager, that of MAPPED keys is left alone.
func (s *Server) removeOAuthKey(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx := r.Context()
	_, m, err := s.ownedMapping(ctx, caller(r), ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deleteCreatedClient(ctx, m); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Store.DeleteKeyMapping(ctx, m.ID); err != nil && !errors.Is(err, admin.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// regenerateSecret gives the client of CREATED keys a new secret.
func (s *Server) regenerateSecret(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx := r.Context()
	_, m, err := s.ownedMapping(ctx, caller(r), ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	km, err := s.createdKeyManager(m, "regenerate its secret")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := km.RegenerateSecret(ctx, m.ConsumerKey)
	if errors.Is(err, ErrClientNotFound) {
		err = conflict("Key manager %q no longer has the OAuth client %q of key mapping %s.", m.KeyManager, m.ConsumerKey, m.UUID)
	}
	if err != nil {
		s.fail(w, r, kmFailure(m.KeyManager, err))
		return
	}
	writeJSON(w, http.StatusOK, secretView{ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret})
}
