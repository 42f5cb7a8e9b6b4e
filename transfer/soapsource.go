package transfer

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

// Source reads tenants.
type Source interface {
	// Tenants lists the tenants the source reads, in order.
	Tenants(ctx context.Context) ([]string, error)
	// ReadTenant reads one tenant. Items it cannot read are in the
	// answer's Failed; an error means the tenant could not be read at all.
	ReadTenant(ctx context.Context, domain string, p Progress) (*TenantData, error)
}

// Credential is a user of the source and its password.
type Credential struct {
	Username, Password string
}

// SOAPSource reads a running Identity Server (or isadmin) over its SOAP
// admin services in one wire profile: per tenant, the clients each of the
// tenant's credentials own (getAllOAuthApplicationData answers the
// caller's own), every service provider (getAllApplicationBasicInfo, then
// getApplication) with the first credential, and the clients the
// providers link that are not among those (getOAuthApplicationData).
type SOAPSource struct {
	// URL is the server's base URL, e.g. https://is.example.com:9443.
	URL     string
	Profile *wsdl.Profile
	// HTTP makes the calls; its Timeout bounds each.
	HTTP *http.Client
	// Credentials of each tenant to read, by domain; their order is the
	// order of Tenants.
	Credentials map[string][]Credential
	Order       []string
	Retry       Retry
	// Workers read that many items at once (4 when zero).
	Workers int

	breaker breaker
	// sleep replaces the backoff's wait in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// Tenants lists the tenants to read.
func (s *SOAPSource) Tenants(ctx context.Context) ([]string, error) { return s.Order, nil }

func (s *SOAPSource) caller(c Credential) wsdl.Caller {
	return &retryCaller{
		next:    &soap.Client{URL: s.URL, Profile: s.Profile, Username: c.Username, Password: c.Password, HTTP: s.HTTP},
		retry:   s.Retry,
		breaker: &s.breaker,
		sleep:   s.sleep,
	}
}

// wireFields names the fields of a type of the profile: the element of
// an operation's return.
func wireFields(p *wsdl.Profile, service, operation string) (*wsdl.Type, map[string]bool) {
	svc := p.Service(service)
	if svc == nil {
		return nil, nil
	}
	op := svc.Operation(operation)
	if op == nil || op.Output == nil || len(op.Output.Fields) == 0 || op.Output.Fields[0].Elem == nil {
		return nil, nil
	}
	t := op.Output.Fields[0].Elem
	fields := map[string]bool{}
	for _, f := range t.Fields {
		fields[f.Name] = true
	}
	return t, fields
}

// ReadTenant reads a tenant's clients and service providers.
func (s *SOAPSource) ReadTenant(ctx context.Context, domain string, p Progress) (*TenantData, error) {
	if p == nil {
		p = NoProgress{}
	}
	creds := s.Credentials[domain]
	if len(creds) == 0 {
		return nil, fmt.Errorf("no credentials for tenant %s", domain)
	}
	_, clientFields := wireFields(s.Profile, "OAuthAdminService", "getOAuthApplicationData")
	spType, _ := wireFields(s.Profile, "IdentityApplicationManagementService", "getApplication")
	if clientFields == nil || spType == nil {
		return nil, fmt.Errorf("profile %s lacks getOAuthApplicationData or getApplication", s.Profile.Name)
	}
	td := &TenantData{Domain: domain}
	oauth := &wsdl.OAuthAdminServiceClient{Caller: s.caller(creds[0])}
	iams := &wsdl.IdentityApplicationManagementServiceClient{Caller: s.caller(creds[0])}

	p.Start(domain+": listing OAuth clients and service providers", len(creds)+1)
	clients := map[string]*Client{}
	for _, c := range creds {
		dtos, err := (&wsdl.OAuthAdminServiceClient{Caller: s.caller(c)}).GetAllOAuthApplicationData(ctx)
		if err != nil {
			p.Done()
			return nil, fmt.Errorf("listing the OAuth clients of %s: %w", c.Username, err)
		}
		for _, dto := range dtos {
			if dto == nil || str(dto.OauthConsumerKey) == "" {
				continue
			}
			if _, ok := clients[str(dto.OauthConsumerKey)]; !ok {
				clients[str(dto.OauthConsumerKey)] = clientOfDTO(dto, domain, clientFields)
			}
		}
		p.Add(1)
	}
	infos, err := iams.GetAllApplicationBasicInfo(ctx)
	if err != nil {
		p.Done()
		return nil, fmt.Errorf("listing the service providers: %w", err)
	}
	p.Add(1)
	p.Done()
	var names []string
	for _, info := range infos {
		if info != nil && str(info.ApplicationName) != "" && !slices.Contains(names, str(info.ApplicationName)) {
			names = append(names, str(info.ApplicationName))
		}
	}
	sort.Strings(names)

	var mu sync.Mutex
	p.Start(domain+": reading service providers", len(names))
	sps := make([]*ServiceProvider, len(names))
	s.each(len(names), func(i int) {
		defer p.Add(1)
		view, err := iams.GetApplication(ctx, names[i])
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			td.Failed = append(td.Failed, Result{Tenant: domain, Kind: KindServiceProvider, ID: names[i], Outcome: Failed,
				Reason: "not read: " + err.Error()})
		case view == nil:
			// Deleted since it was listed.
		default:
			sp, err := serviceProviderOfView(view, spType)
			if err != nil {
				td.Failed = append(td.Failed, Result{Tenant: domain, Kind: KindServiceProvider, ID: names[i], Outcome: Failed,
					Reason: "not read: " + err.Error()})
				return
			}
			sps[i] = sp
		}
	})
	p.Done()
	for _, sp := range sps {
		if sp != nil {
			td.ServiceProviders = append(td.ServiceProviders, sp)
		}
	}

	// The clients the providers link that the credentials do not own.
	var linked []string
	for _, sp := range td.ServiceProviders {
		for _, ic := range inboundOAuthKeys(sp.Configuration) {
			if _, ok := clients[ic]; !ok && !slices.Contains(linked, ic) {
				linked = append(linked, ic)
			}
		}
	}
	sort.Strings(linked)
	p.Start(domain+": reading the OAuth clients the service providers link", len(linked))
	s.each(len(linked), func(i int) {
		defer p.Add(1)
		dto, err := oauth.GetOAuthApplicationData(ctx, linked[i])
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			td.Failed = append(td.Failed, Result{Tenant: domain, Kind: KindClient, ID: linked[i], Outcome: Failed,
				Reason: "not read: " + err.Error()})
		case dto == nil || str(dto.OauthConsumerKey) == "":
			td.Failed = append(td.Failed, Result{Tenant: domain, Kind: KindClient, ID: linked[i], Outcome: Failed,
				Reason: "not read: the source has no OAuth client with this key, which a service provider links"})
		default:
			clients[linked[i]] = clientOfDTO(dto, domain, clientFields)
		}
	})
	p.Done()
	for _, key := range slices.Sorted(maps.Keys(clients)) {
		td.Clients = append(td.Clients, clients[key])
	}
	if svc := s.Profile.Service("OAuthAdminService"); svc != nil && svc.Operation("isHashDisabled") != nil {
		if disabled, err := oauth.IsHashDisabled(ctx); err == nil && !disabled {
			td.Warnings = append(td.Warnings, fmt.Sprintf("tenant %s: the source says it keeps client secrets hashed (isHashDisabled is false): a client whose secret it does not return is not imported unless the database has it", domain))
		}
	}
	slices.SortFunc(td.Failed, func(a, b Result) int {
		if a.Kind != b.Kind {
			return kindOrder(a.Kind) - kindOrder(b.Kind)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return td, ctx.Err()
}

func (s *SOAPSource) each(n int, fn func(i int)) {
	workers := s.Workers
	if workers <= 0 {
		workers = 4
	}
	(&Sink{Workers: workers}).each(context.Background(), n, fn)
}

// inboundOAuthKeys lists the consumer keys a stored tree links.
func inboundOAuthKeys(tree *wsdl.ServiceProvider) []string {
	if tree == nil || tree.InboundAuthenticationConfig == nil {
		return nil
	}
	var keys []string
	for _, ic := range tree.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
		if ic == nil || str(ic.InboundAuthKey) == "" {
			continue
		}
		if t := str(ic.InboundAuthType); t == "oauth2" || t == "oauth" {
			keys = append(keys, str(ic.InboundAuthKey))
		}
	}
	return keys
}
