package storeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
)

// Limits of the fields the store keeps: the column sizes API Manager's own
// database scripts declare, in characters (VARCHAR(n) of H2, of MySQL with
// a utf8 character set and of PostgreSQL counts characters). AM_APPLICATION
// is the same in API Manager 1.x (wso2/carbon-apimgt,
// features/apimgt/org.wso2.carbon.apimgt.core.feature/src/main/resources/sql/h2.sql
// at 92a4142100db03efddd0ae9ab0e6e00fc6f29c60, lines 435-450) and 2.x (the
// same directory's mysql.sql at 4198eb898eec73e86c117b1362c9ef6df7575154,
// which declares the group and attribute tables too).
const (
	// maxNameLength is AM_APPLICATION.NAME VARCHAR(100), h2.sql line 437,
	// and the devportal API's maxLength.
	maxNameLength = 100
	// maxThrottlingPolicyLength is AM_APPLICATION.APPLICATION_TIER
	// VARCHAR(50), line 439.
	maxThrottlingPolicyLength = 50
	// maxCallbackURLLength is AM_APPLICATION.CALLBACK_URL VARCHAR(512),
	// line 440: the legacy store's application callback.
	maxCallbackURLLength = 512
	// maxDescriptionLength is AM_APPLICATION.DESCRIPTION VARCHAR(512),
	// line 441, and the devportal API's maxLength.
	maxDescriptionLength = 512
	// maxGroupLength is AM_APPLICATION_GROUP_MAPPING.GROUP_ID VARCHAR(512)
	// of mysql.sql.
	maxGroupLength = 512
	// maxAttributeNameLength and maxAttributeValueLength are
	// AM_APPLICATION_ATTRIBUTES.NAME VARCHAR(255) and VALUE VARCHAR(1024)
	// of mysql.sql.
	maxAttributeNameLength  = 255
	maxAttributeValueLength = 1024
	// maxListBytes bounds the stored groups and the stored attributes of an
	// application (each as JSON): upstream keeps them in any number of rows.
	maxListBytes     = 64 << 10
	defaultPageLimit = 25
)

// applicationView is the devportal Application.
type applicationView struct {
	ApplicationID      string            `json:"applicationId"`
	Name               string            `json:"name"`
	ThrottlingPolicy   string            `json:"throttlingPolicy"`
	Description        string            `json:"description"`
	TokenType          string            `json:"tokenType"`
	Status             string            `json:"status"`
	Groups             []string          `json:"groups"`
	SubscriptionCount  int               `json:"subscriptionCount"`
	Keys               []keyView         `json:"keys"`
	Attributes         map[string]string `json:"attributes"`
	SubscriptionScopes []any             `json:"subscriptionScopes"`
	Owner              string            `json:"owner"`
	HashEnabled        bool              `json:"hashEnabled"`
	CreatedTime        string            `json:"createdTime"`
	UpdatedTime        string            `json:"updatedTime"`
}

// applicationInfo is the devportal ApplicationInfo.
type applicationInfo struct {
	ApplicationID     string            `json:"applicationId"`
	Name              string            `json:"name"`
	ThrottlingPolicy  string            `json:"throttlingPolicy"`
	Description       string            `json:"description"`
	Status            string            `json:"status"`
	Groups            []string          `json:"groups"`
	SubscriptionCount int               `json:"subscriptionCount"`
	Attributes        map[string]string `json:"attributes"`
	Owner             string            `json:"owner"`
	TokenType         string            `json:"tokenType"`
	CreatedTime       string            `json:"createdTime"`
	UpdatedTime       string            `json:"updatedTime"`
}

type pagination struct {
	Offset   int    `json:"offset"`
	Limit    int    `json:"limit"`
	Total    int    `json:"total"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

type applicationList struct {
	Count      int               `json:"count"`
	List       []applicationInfo `json:"list"`
	Pagination pagination        `json:"pagination"`
}

// applicationRequest is the body of application create and update.
type applicationRequest struct {
	Name             *string           `json:"name"`
	ThrottlingPolicy *string           `json:"throttlingPolicy"`
	Description      *string           `json:"description"`
	TokenType        *string           `json:"tokenType"`
	Groups           []string          `json:"groups"`
	Attributes       map[string]string `json:"attributes"`
	// callbackURL is the application callback of the legacy store's
	// application-add; the REST API has none.
	callbackURL *string
}

// ownerName is the owner as the devportal shows it: the user name, with
// the tenant domain outside the super tenant.
func ownerName(tenantDomain, user string) string {
	if tenantDomain == "" || tenantDomain == admin.SuperTenantDomain {
		return user
	}
	return user + "@" + tenantDomain
}

func millis(app *store.Application) (created, updated string) {
	return strconv.FormatInt(app.CreatedAt.UnixMilli(), 10), strconv.FormatInt(app.UpdatedAt.UnixMilli(), 10)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func viewOf(p admin.Principal, app *store.Application, keys []*store.KeyMapping) applicationView {
	created, updated := millis(app)
	v := applicationView{
		ApplicationID: app.UUID, Name: app.Name, ThrottlingPolicy: app.ThrottlingPolicy,
		Description: app.Description, TokenType: app.TokenType, Status: app.Status,
		Groups: orEmpty(app.Groups), Keys: []keyView{}, Attributes: app.Attributes,
		SubscriptionScopes: []any{}, Owner: ownerName(p.TenantDomain, app.Owner),
		CreatedTime: created, UpdatedTime: updated,
	}
	if v.Attributes == nil {
		v.Attributes = map[string]string{}
	}
	for _, m := range keys {
		v.Keys = append(v.Keys, keyViewOf(m, nil))
	}
	return v
}

func infoOf(p admin.Principal, app *store.Application) applicationInfo {
	v := viewOf(p, app, nil)
	return applicationInfo{
		ApplicationID: v.ApplicationID, Name: v.Name, ThrottlingPolicy: v.ThrottlingPolicy,
		Description: v.Description, Status: v.Status, Groups: v.Groups, Attributes: v.Attributes,
		Owner: v.Owner, TokenType: v.TokenType, CreatedTime: v.CreatedTime, UpdatedTime: v.UpdatedTime,
	}
}

// apply checks a create or update request and fills app from it.
func (req *applicationRequest) apply(app *store.Application) error {
	var items []ErrorItem
	add := func(field, format string, args ...any) {
		items = append(items, ErrorItem{Code: field, Message: fmt.Sprintf(format, args...)})
	}
	name := deref(req.Name)
	switch {
	case req.Name == nil || name == "":
		add("name", "name is required")
	case strings.TrimSpace(name) != name:
		add("name", "name must not start or end with white space")
	case utf8.RuneCountInString(name) > maxNameLength:
		add("name", "name may have at most %d characters", maxNameLength)
	case !utf8.ValidString(name):
		add("name", "name is not UTF-8")
	default:
		if c, ok := controlIn(name, true); ok {
			add("name", "name holds the control character %U", c)
		}
	}
	switch policy := deref(req.ThrottlingPolicy); {
	case strings.TrimSpace(policy) == "":
		add("throttlingPolicy", "throttlingPolicy is required")
	case utf8.RuneCountInString(policy) > maxThrottlingPolicyLength:
		add("throttlingPolicy", "throttlingPolicy may have at most %d characters", maxThrottlingPolicyLength)
	}
	if utf8.RuneCountInString(deref(req.Description)) > maxDescriptionLength {
		add("description", "description may have at most %d characters", maxDescriptionLength)
	}
	if req.callbackURL != nil && utf8.RuneCountInString(*req.callbackURL) > maxCallbackURLLength {
		add("callbackUrl", "callbackUrl may have at most %d characters", maxCallbackURLLength)
	}
	if field, msg := req.checkLists(); msg != "" {
		add(field, "%s", msg)
	}
	tokenType := deref(req.TokenType)
	if tokenType == "" {
		tokenType = "JWT"
	}
	if tokenType != "JWT" && tokenType != "OAUTH" {
		add("tokenType", "tokenType must be OAUTH or JWT, not %q", tokenType)
	}
	if len(items) > 0 {
		msgs := make([]string, len(items))
		for i, it := range items {
			msgs[i] = it.Message
		}
		return &Error{Status: http.StatusBadRequest, Description: "Invalid application: " + strings.Join(msgs, "; ") + ".", Items: items}
	}
	app.Name, app.ThrottlingPolicy, app.Description, app.TokenType = name, deref(req.ThrottlingPolicy), deref(req.Description), tokenType
	app.Groups, app.Attributes = orEmpty(req.Groups), req.Attributes
	if app.Attributes == nil {
		app.Attributes = map[string]string{}
	}
	if req.callbackURL != nil {
		app.CallbackURL = *req.callbackURL
	}
	return nil
}

// checkLists names the list, groups or attributes, whose first value is
// longer than its column or which is larger than the bound, and says what is
// wrong; it returns "", "" when both fit.
func (req *applicationRequest) checkLists() (field, msg string) {
	for i, g := range req.Groups {
		if utf8.RuneCountInString(g) > maxGroupLength {
			return "groups", fmt.Sprintf("groups[%d] may have at most %d characters", i, maxGroupLength)
		}
	}
	names := make([]string, 0, len(req.Attributes))
	for name := range req.Attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if utf8.RuneCountInString(name) > maxAttributeNameLength {
			return "attributes", fmt.Sprintf("attributes may have names of at most %d characters", maxAttributeNameLength)
		}
		if utf8.RuneCountInString(req.Attributes[name]) > maxAttributeValueLength {
			return "attributes", fmt.Sprintf("attributes[%q] may have at most %d characters", name, maxAttributeValueLength)
		}
	}
	for _, list := range []struct {
		field string
		value any
	}{{"groups", orEmpty(req.Groups)}, {"attributes", req.Attributes}} {
		if b, err := json.Marshal(list.value); err == nil && len(b) > maxListBytes {
			return list.field, fmt.Sprintf("%s may take at most %d bytes as JSON", list.field, maxListBytes)
		}
	}
	return "", ""
}

func duplicateName(name string) *Error {
	return conflict("An application with the name %q exists already for this user.", name)
}

// ownedApplication returns the caller's application with the id: 404 when
// the caller's tenant has none, 403 when another user owns it.
func (s *Server) ownedApplication(ctx context.Context, p admin.Principal, id string) (*store.Application, error) {
	app, err := s.Store.FindStoreApplication(ctx, p.TenantID, id)
	return owned(p, id, app, err)
}

// owned answers a lookup of the application with the id as
// ownedApplication does.
func owned(p admin.Principal, id string, app *store.Application, err error) (*store.Application, error) {
	if errors.Is(err, admin.ErrNotFound) {
		return nil, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested application with Id '%s' not found", id)}
	}
	if err != nil {
		return nil, err
	}
	if app.Owner != p.Username {
		return nil, &Error{Status: http.StatusForbidden, Description: fmt.Sprintf("You don't have permission to access the application with Id %s", id)}
	}
	return app, nil
}

// getApplications lists the caller's applications.
func (s *Server) getApplications(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := caller(r)
	q := r.URL.Query()
	f := store.ApplicationFilter{TenantID: p.TenantID, Owner: p.Username, Name: q.Get("query"), Limit: defaultPageLimit}
	for _, n := range []struct {
		name string
		dst  *int
		min  int
	}{{"limit", &f.Limit, 1}, {"offset", &f.Offset, 0}} {
		v := q.Get(n.name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < n.min {
			s.fail(w, r, badRequest("%s must be a whole number of at least %d, not %q.", n.name, n.min, v))
			return
		}
		*n.dst = i
	}
	switch sortBy := q.Get("sortBy"); sortBy {
	case "", "name", "throttlingPolicy", "status":
		f.SortBy = sortBy
	default:
		s.fail(w, r, badRequest("sortBy must be name, throttlingPolicy or status, not %q.", sortBy))
		return
	}
	switch order := q.Get("sortOrder"); order {
	case "", "asc":
	case "desc":
		f.Descending = true
	default:
		s.fail(w, r, badRequest("sortOrder must be asc or desc, not %q.", order))
		return
	}
	apps, total, err := s.Store.ListStoreApplications(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := applicationList{Count: len(apps), List: []applicationInfo{}, Pagination: pagination{Offset: f.Offset, Limit: f.Limit, Total: total}}
	for _, app := range apps {
		out.List = append(out.List, infoOf(p, app))
	}
	page := func(offset int) string {
		v := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(f.Limit)}}
		if f.Name != "" {
			v.Set("query", f.Name)
		}
		return "/applications?" + v.Encode()
	}
	if f.Offset+f.Limit < total {
		out.Pagination.Next = page(f.Offset + f.Limit)
	}
	if f.Offset > 0 {
		out.Pagination.Previous = page(max(f.Offset-f.Limit, 0))
	}
	writeJSON(w, http.StatusOK, out)
}

// createApplication creates an application of the caller.
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := caller(r)
	var req applicationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	app := &store.Application{UUID: s.newUUID(), TenantID: p.TenantID, Owner: p.Username, Status: store.StatusApproved}
	if err := req.apply(app); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Store.CreateStoreApplication(r.Context(), app); err != nil {
		if errors.Is(err, admin.ErrDuplicateName) {
			err = duplicateName(app.Name)
		}
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", BasePath+"/applications/"+app.UUID)
	writeJSON(w, http.StatusCreated, viewOf(p, app, nil))
}

// getApplication returns one of the caller's applications.
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	p := caller(r)
	app, err := s.ownedApplication(r.Context(), p, ps.ByName("applicationId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.Store.ListKeyMappings(r.Context(), app.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(p, app, keys))
}

// updateApplication replaces the settings of one of the caller's
// applications.
func (s *Server) updateApplication(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	p := caller(r)
	ctx := r.Context()
	app, err := s.ownedApplication(ctx, p, ps.ByName("applicationId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req applicationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := req.apply(app); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Store.UpdateStoreApplication(ctx, app); err != nil {
		switch {
		case errors.Is(err, admin.ErrDuplicateName):
			err = duplicateName(app.Name)
		case errors.Is(err, admin.ErrNotFound):
			err = &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("Requested application with Id '%s' not found", app.UUID)}
		}
		s.fail(w, r, err)
		return
	}
	keys, err := s.Store.ListKeyMappings(ctx, app.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(p, app, keys))
}

// removeApplication deletes one of the caller's applications with its keys.
func (s *Server) removeApplication(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	p := caller(r)
	app, err := s.ownedApplication(r.Context(), p, ps.ByName("applicationId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deleteApplication(r.Context(), app); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// deleteApplication deletes the OAuth clients of the application's CREATED
// keys, then the application and its key mappings. MAPPED clients are left
// alone. When a key manager fails, nothing more is deleted and a retry picks
// up where this stopped. Keys of a key manager that is no longer configured
// are dropped without touching their client.
func (s *Server) deleteApplication(ctx context.Context, app *store.Application) error {
	keys, err := s.Store.ListKeyMappings(ctx, app.ID)
	if err != nil {
		return err
	}
	for _, m := range keys {
		if err := s.deleteCreatedClient(ctx, m); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteStoreApplication(ctx, app.TenantID, app.ID); err != nil && !errors.Is(err, admin.ErrNotFound) {
		return err
	}
	return nil
}

// deleteCreatedClient deletes the OAuth client of a CREATED key mapping; a
// client that is gone already is no failure. MAPPED clients are never
// touched.
func (s *Server) deleteCreatedClient(ctx context.Context, m *store.KeyMapping) error {
	if m.Mode != store.ModeCreated {
		return nil
	}
	km := s.KeyManagers[m.KeyManager]
	if km == nil {
		return nil
	}
	if err := km.DeleteClient(ctx, m.ConsumerKey); err != nil && !errors.Is(err, ErrClientNotFound) {
		return kmFailure(m.KeyManager, err)
	}
	return nil
}

// settingsView is the devportal Settings, with this server's extensions.
type settingsView struct {
	GrantTypes                []string `json:"grantTypes"`
	Scopes                    []string `json:"scopes"`
	ApplicationSharingEnabled bool     `json:"applicationSharingEnabled"`
	MapExistingAuthApps       bool     `json:"mapExistingAuthApps"`
	APIGatewayEndpoint        string   `json:"apiGatewayEndpoint"`
	MonetizationEnabled       bool     `json:"monetizationEnabled"`
	RecommendationEnabled     bool     `json:"recommendationEnabled"`
	IsUnlimitedTierPaid       bool     `json:"IsUnlimitedTierPaid"`
	IdentityProvider          struct {
		External bool `json:"external"`
	} `json:"identityProvider"`
	IsAnonymousModeEnabled  bool     `json:"IsAnonymousModeEnabled"`
	IsPasswordChangeEnabled bool     `json:"IsPasswordChangeEnabled"`
	ProvisionUnknownKeys    bool     `json:"provisionUnknownKeys"`
	KeyManagers             []string `json:"keyManagers"`
}

// getSettings answers the store's settings; it needs no login.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	v := settingsView{
		GrantTypes: []string{}, Scopes: []string{}, MapExistingAuthApps: s.mapExisting(),
		ProvisionUnknownKeys: s.provisionUnknown(), KeyManagers: s.keyManagerNames(),
	}
	if km := s.KeyManagers[ResidentKeyManager]; km != nil {
		grants, err := km.AllowedGrantTypes(r.Context())
		if err != nil {
			s.fail(w, r, kmFailure(ResidentKeyManager, err))
			return
		}
		v.GrantTypes = orEmpty(grants)
	}
	writeJSON(w, http.StatusOK, v)
}
