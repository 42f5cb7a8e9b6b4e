package soap

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// DefaultMaxBodyBytes caps a request body.
const DefaultMaxBodyBytes = 10 << 20

// Server answers the admin services of one wire profile.
type Server struct {
	Profile *wsdl.Profile
	// Services maps a service name to its implementation of the generated
	// interface of that name.
	Services map[string]any
	Identity Identity
	// Realm is announced in WWW-Authenticate when credentials are missing:
	// Carbon announces its server name (carbon.xml <Name>).
	Realm        string
	MaxBodyBytes int64
	MaxDepth     int
	// HTTPAdminServices serves the admin services on plain HTTP too; Carbon
	// serves them on HTTPS only (their services.xml declare the https
	// transport) unless carbon.xml's HttpAdminServices says otherwise.
	HTTPAdminServices bool
	// Address is the scheme, host and port of the endpoint addresses the
	// served WSDL documents name, e.g. https://localhost:9443: Carbon
	// builds them from its configured host name and its HTTPS port, never
	// from a request.
	Address string
	Log     zerolog.Logger
	// Now is the clock used for request durations.
	Now func() time.Time
	// Observe, when set, hears of every request: service, operation
	// (either may be empty for a request no operation took), HTTP status,
	// fault code ("" for none) and duration. It must not block.
	Observe func(service, operation string, status int, fault string, d time.Duration)
	// MaxListings bounds the listings (operations answering an array of
	// complex values) answered at once, and so the memory they hold while
	// slow clients read them; others wait their turn. 0 means twice the
	// processors, at least 4.
	MaxListings int

	bufs         sync.Pool
	listingsOnce sync.Once
	listings     chan struct{}
	// docs are the served documents, by service (and "?wsdl2").
	docsMu sync.Mutex
	docs   map[string][]byte
}

// DefaultRealm is Identity Server's server name (carbon.xml <Name>), the
// realm of its 401 answers.
const DefaultRealm = "WSO2 Identity Server"

// Register adds the /services routes to r.
func (s *Server) Register(r *httprouter.Router) {
	for _, prefix := range []string{"/services/*path", "/t/:tenant/services/*path"} {
		// A tenant's services, as Identity Server serves them, under /t/.
		r.Handle(http.MethodPost, prefix, s.servePost)
		r.Handle(http.MethodGet, prefix, s.serveGet)
		r.Handle(http.MethodHead, prefix, s.serveGet)
	}
}

// target is what the request URL names.
type target struct {
	service  *wsdl.Service
	name     string
	tenant   string  // the domain of /t/<domain>/services/..., if any
	endpoint Version // POX for the HTTP binding; -1 when unnamed
	op       string  // operation named in the path, if any
}

// parseTarget reads /services/<Service>[.<Port>][/<op>].
func (s *Server) parseTarget(path string) target {
	path = strings.TrimPrefix(path, "/")
	first, rest, _ := strings.Cut(path, "/")
	name, port, hasPort := strings.Cut(first, ".")
	t := target{name: name, endpoint: -1, op: strings.Trim(rest, "/")}
	// A service is there when the profile has it and it is implemented.
	if s.Services[name] != nil {
		t.service = s.Profile.Service(name)
	}
	if hasPort {
		switch {
		case strings.HasSuffix(port, "Soap11Endpoint"):
			t.endpoint = V11
		case strings.HasSuffix(port, "Soap12Endpoint"):
			t.endpoint = V12
		case strings.HasSuffix(port, "Endpoint"):
			t.endpoint = POX
		}
	}
	return t
}

// requestLog collects what the access log line says about a request.
type requestLog struct {
	service, op, user, fault string
	status                   int
	// authenticated says the user is the caller's; a refused caller's
	// user is the name it gave.
	authenticated bool
}

func (s *Server) logRequest(r *http.Request, rl *requestLog, start time.Time) {
	if s.Observe != nil {
		s.Observe(rl.service, rl.op, rl.status, rl.fault, s.Now().Sub(start))
	}
	s.Log.Info().
		Str("request_id", admin.RequestIDFrom(r.Context())).
		Str("client", admin.SourceFrom(r.Context())).
		Str("service", rl.service).
		Str("operation", rl.op).
		Str("profile", s.Profile.Name).
		Str("user", rl.user).
		Bool("authenticated", rl.authenticated).
		Str("method", r.Method).
		Int("status", rl.status).
		Str("fault", rl.fault).
		Dur("duration", s.Now().Sub(start)).
		Msg("soap request")
}

// transport reads the SOAP version and action from the HTTP headers.
func transport(r *http.Request, t target) (Version, string, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := parseMediaType(ct)
	if ct != "" && err != nil {
		return V11, "", clientFault("Invalid Content-Type " + ct)
	}
	action := strings.Trim(strings.TrimSpace(r.Header.Get("Soapaction")), `"`)
	v := V11
	switch {
	case t.endpoint == POX:
		// Axis2 builds an XML payload from these; text/plain and the
		// form types, which a page of another site may post, carry none.
		if mt != "application/xml" && mt != "text/xml" && mt != "application/soap+xml" && mt != "" {
			return POX, "", &Fault{Code: codeClient, Reason: "Unsupported Content-Type " + mt + ": the HTTP endpoint takes application/xml", Status: http.StatusUnsupportedMediaType}
		}
		v = POX
	case mt == "application/soap+xml":
		v = V12
		if a := params["action"]; a != "" {
			action = a
		}
	case mt == "text/xml" || mt == "":
		v = V11
	case mt == "application/xml":
		v = POX
	default:
		return V11, "", &Fault{Code: codeClient, Reason: "Unsupported Content-Type " + mt + ": use text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)", Status: http.StatusUnsupportedMediaType}
	}
	return v, action, nil
}

// servicePath is the path of a request to a service, as Axis2 names the
// endpoint reference in its faults: the request URI.
func servicePath(r *http.Request) string { return r.URL.Path }

// begin reads what a request's URL names and starts its access log line,
// which logRequest writes.
func (s *Server) begin(ps httprouter.Params) (t target, rl *requestLog, start time.Time) {
	start = s.Now()
	t = s.parseTarget(ps.ByName("path"))
	t.tenant = ps.ByName("tenant")
	rl = &requestLog{service: t.name, status: http.StatusOK}
	return t, rl, start
}

func (s *Server) servePost(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	t, rl, start := s.begin(ps)
	defer s.logRequest(r, rl, start)

	v, action, err := transport(r, t)
	if why := CrossSite(r); why != "" && err == nil {
		err = crossSiteFault(why)
	}
	rp := newReply(v)
	fail := func(err error) {
		f := faultFor(err, s.Profile, rl.service, rl.op)
		rl.fault = f.Code
		rl.status = s.writeFaultReply(w, rp, f)
	}
	if err != nil {
		fail(err)
		return
	}
	if rp.cs, err = requestCharset(r.Header.Get("Content-Type")); err != nil {
		fail(err)
		return
	}
	if t.service == nil {
		fail(dispatchFault("The service cannot be found for the endpoint reference (EPR) " + servicePath(r)))
		return
	}

	max := s.MaxBodyBytes
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	body := decodeBody(http.MaxBytesReader(w, r.Body, max), rp.cs)
	env, err := readEnvelope(body, v, s.MaxDepth)
	defer env.dec.Close()
	if err != nil {
		fail(tooLarge(err))
		return
	}
	rp.wsa = readAddressing(env.Headers)
	if rp.wsa != nil {
		if h := rp.wsa.missingHeader(nil); h != "" {
			fail(addressingFault(rp.wsa, h))
			return
		}
	}
	if f := s.checkHeaders(env); f != nil {
		fail(f)
		return
	}
	op, err := s.dispatch(t, action, env, servicePath(r))
	if err != nil {
		fail(err)
		return
	}
	rl.op = op.Name
	if rp.wsa != nil {
		if h := rp.wsa.missingHeader(op); h != "" {
			fail(addressingFault(rp.wsa, h))
			return
		}
	}
	if r.TLS == nil && !s.HTTPAdminServices {
		// DispatchPhase.validateTransport: the service is not exposed on
		// this transport.
		fail(serverFault("The service cannot be found for the endpoint reference (EPR) " + servicePath(r)))
		return
	}

	ctx, ok := s.authenticateCall(w, r, rl, op, env, t.tenant, fail)
	if !ok {
		return
	}
	req, err := s.decodeRequest(env, op)
	if err != nil {
		fail(tooLarge(err))
		return
	}
	if err := env.finish(); err != nil {
		fail(tooLarge(err))
		return
	}
	s.run(ctx, w, r, rl, rp, op, req, fail)
}

// HangUpKey is the context key of a channel (<-chan struct{}) closed when
// the client hangs up, for servers that carry requests out whatever the
// client does: a listing gives up waiting for its turn when no one is
// left to read it.
type HangUpKey struct{}

// startListing waits for a turn to answer a listing.
func (s *Server) startListing(ctx context.Context) (release func(), err error) {
	s.listingsOnce.Do(func() {
		n := s.MaxListings
		if n <= 0 {
			n = max(4, 2*runtime.GOMAXPROCS(0))
		}
		s.listings = make(chan struct{}, n)
	})
	select {
	case s.listings <- struct{}{}:
		return func() { <-s.listings }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("soap: waiting for a turn to answer a listing: %w", ctx.Err())
	case <-hangUp(ctx):
		return nil, errors.New("soap: the client of a listing hung up while it waited for its turn")
	}
}

// hangUp returns the channel of HangUpKey, or nil.
func hangUp(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(HangUpKey{}).(<-chan struct{})
	return ch
}

// run invokes the operation and answers it.
func (s *Server) run(ctx context.Context, w http.ResponseWriter, r *http.Request, rl *requestLog, rp *reply, op *wsdl.Operation, req wsdl.Struct, fail func(error)) {
	impl := s.Services[op.Service.Name]
	if impl == nil {
		fail(serverFault("The service " + op.Service.Name + " is not available"))
		return
	}
	answer := !op.OneWay && (rp.wsa == nil || !rp.wsa.noAnswer())
	if op.Binding.Stream != nil {
		release, err := s.startListing(ctx)
		if err != nil {
			fail(err)
			return
		}
		defer release()
	}
	if op.Binding.Stream != nil && op.Output != nil && answer {
		streamed, err := s.stream(ctx, w, rp, op, impl, req)
		if streamed {
			if err != nil {
				fail(err)
			}
			return
		}
	}
	resp, err := invoke(ctx, op, impl, req)
	setSessionCookie(w, r, admin.SessionSinkFrom(ctx))
	if err != nil {
		if f := faultFor(err, s.Profile, op.Service.Name, op.Name); f.Code == codeServer {
			var de *admin.Error
			if !errors.As(err, &de) || de.Kind == admin.ServerError {
				s.Log.Error().Err(err).Str("operation", op.Name).Msg("operation failed")
			}
		}
		fail(err)
		return
	}
	if !answer {
		rl.status = http.StatusAccepted
		rp.accepted(w)
		return
	}
	s.writeResponse(w, rp, op, resp)
}

// authenticateCall authenticates and authorizes the caller of op when the
// profile asks for it, and returns the context the operation runs in. When
// it answers itself (401 or a fault) ok is false.
//
// Carbon gives every admin call that arrives without a live session a new
// HTTP session before it authenticates (AbstractAuthenticator.isAuthenticated
// calls request.getSession()), so the answer sets a JSESSIONID cookie, a
// 401 and a fault included; a call authenticated by its credentials logs
// that session in, and the cookie works alone afterwards.
func (s *Server) authenticateCall(w http.ResponseWriter, r *http.Request, rl *requestLog, op *wsdl.Operation, env *Envelope, tenant string, fail func(error)) (ctx context.Context, ok bool) {
	cookie := sessionCookie(r)
	sink := &admin.SessionSink{Cookie: cookie, TenantDomain: tenant}
	ctx = admin.WithSessionSink(r.Context(), sink)
	anyOf, authenticate := s.Profile.Permissions(op.Service.Name, op.Name)
	if !authenticate {
		return ctx, true
	}
	p, bySession, attempted, err := s.authenticate(ctx, r, env, cookie)
	if len(attempted) > 256 {
		attempted = attempted[:256]
	}
	rl.user = attempted
	if !bySession {
		var token string
		if err == nil {
			var perr error
			if token, perr = s.Identity.PendingSession(ctx, p); perr != nil {
				fail(perr)
				return ctx, false
			}
		} else {
			token = admin.NewSessionToken()
		}
		writeSessionCookie(w, r, token)
	}
	if errors.Is(err, errNoCredentials) {
		rl.status, rl.fault = http.StatusUnauthorized, "401"
		s.unauthorized(w)
		return ctx, false
	}
	if err != nil {
		fail(err)
		return ctx, false
	}
	rl.user, rl.authenticated = p.QualifiedName(), true
	if err := s.authorize(ctx, p, tenant, anyOf); err != nil {
		fail(err)
		return ctx, false
	}
	return admin.WithPrincipal(ctx, p), true
}

// unauthorized answers a call without credentials as Carbon's
// BasicAccessAuthenticator.createUnAuthorizedResponse does: HTTP 401,
// WWW-Authenticate with the server's name, text/html (the root web app's
// CharacterSetFilter adds UTF-8), no body.
func (s *Server) unauthorized(w http.ResponseWriter) {
	realm := s.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(http.StatusUnauthorized)
	flush(w)
}

// invoke calls the operation, turning a panic into a server fault so that
// one bad request never takes the server down.
func invoke(ctx context.Context, op *wsdl.Operation, impl any, req wsdl.Struct) (resp wsdl.Struct, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("soap: panic in %s: %v", op.Name, p)
		}
	}()
	return op.Binding.Invoke(ctx, impl, req)
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Fault{Code: codeClient, Reason: fmt.Sprintf("The request body exceeds the limit of %d bytes", mbe.Limit), Status: http.StatusRequestEntityTooLarge}
	}
	return err
}

// basicResult is what an Authorization header holds.
type basicResult int

const (
	basicNone      basicResult = iota // no header, or another scheme
	basicMalformed                    // Basic, but not user:password
	basicEmpty                        // an empty user name or password
	basicOK
)

// basicAuth reads HTTP Basic credentials as Carbon's
// BasicAccessAuthenticator.decodeAuthorizationHeader does: the second
// word of the header, Base64, split at its first colon. A blank user name
// or password counts as no credentials (401); a header that does not
// split so is an error of its own.
func basicAuth(r *http.Request) (user, pass string, res basicResult) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	const scheme = "Basic"
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", "", basicNone
	}
	// The second word: what follows the first space, up to the next.
	_, rest, spaced := strings.Cut(h, " ")
	if !spaced {
		return "", "", basicMalformed
	}
	second, _, _ := strings.Cut(rest, " ")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(second))
	if err != nil {
		return "", "", basicMalformed
	}
	user, pass, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", basicMalformed
	}
	if strings.TrimSpace(user) == "" || strings.TrimSpace(pass) == "" {
		return "", "", basicEmpty
	}
	return user, pass, basicOK
}

// checkHeaders refuses header blocks marked mustUnderstand that this server
// does not process. WS-Addressing and WS-Security are understood.
func (s *Server) checkHeaders(env *Envelope) error {
	if env.Version == POX {
		return nil
	}
	ns := env.Version.namespace()
	for _, h := range env.Headers {
		mu := strings.TrimSpace(headerAttr(h, ns, "mustUnderstand"))
		if mu != "1" && mu != "true" {
			continue
		}
		if env.Version == V12 {
			role := headerAttr(h, ns, "role")
			if role == NS12+"/role/none" {
				continue
			}
		}
		switch h.NamespaceURI() {
		case nsWSA, nsWSASubmission:
			continue
		}
		if isSecurityHeader(h) {
			continue
		}
		// AxisEngine.checkMustUnderstand: the SOAP version's MustUnderstand
		// code, without a prefix of its own, and "mustunderstandfailed".
		return &Fault{
			Code:        codeMustUnderstand,
			Unqualified: true,
			Reason:      "Must Understand check failed for header " + h.NamespaceURI() + " : " + h.Tag,
		}
	}
	return nil
}

// dispatch finds the operation: URL, then SOAP action, then WS-Addressing
// action, then the body's wrapper element.
func (s *Server) dispatch(t target, action string, env *Envelope, path string) (*wsdl.Operation, error) {
	svc := t.service
	if t.op != "" {
		if op := svc.Operation(t.op); op != nil {
			return op, nil
		}
	}
	if op := svc.OperationByAction(action); op != nil && action != "" {
		return op, nil
	}
	if op := svc.OperationByAction(env.Action); op != nil && env.Action != "" {
		return op, nil
	}
	if env.Body.Name.Local != "" {
		if op := svc.OperationByElement(env.Body.Name); op != nil {
			return op, nil
		}
		// SOAPMessageBodyBasedDispatcher goes by the local name; a wrapper
		// in another namespace then fails in decodeRequest.
		for _, op := range svc.Operations {
			if op.Input != nil && op.Input.Name.Local == env.Body.Name.Local {
				return op, nil
			}
		}
	}
	shown := action
	if shown == "" {
		shown = env.Action
	}
	// DispatchPhase.checkPostConditions ("operationnotfoundforepr", with the
	// sentence WSO2's build adds), code Client by local name.
	return nil, dispatchFault("The endpoint reference (EPR) for the Operation not found is " + path +
		" and the WSA Action = " + nullIfEmpty(shown) + ". If this EPR was previously reachable, please contact the server administrator.")
}

func nullIfEmpty(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// decodeRequest reads the operation's wrapper element from the body.
func (s *Server) decodeRequest(env *Envelope, op *wsdl.Operation) (wsdl.Struct, error) {
	if op.Binding.NewRequest == nil || op.Input == nil {
		if env.Body.Name.Local != "" {
			if err := env.dec.Skip(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	req := op.Binding.NewRequest()
	if env.Body.Name.Local == "" {
		// An empty body is allowed: every parameter is null.
		return req, nil
	}
	if env.Body.Name.Space != op.Input.Name.Space {
		// RPCUtil.invokeServiceClass throws a plain AxisFault: code Server.
		found := env.Body.Name.Space
		if found == "" {
			found = "none"
		}
		return nil, serverFault("namespace mismatch require " + op.Input.Name.Space + " found " + found)
	}
	if err := env.dec.DecodeStruct(op.Input, req); err != nil {
		return nil, err
	}
	return req, nil
}

// appendText appends s as XML text: fault texts may quote request bytes,
// and the answer must stay well-formed UTF-8 whatever they were.
func appendText(dst []byte, s string) []byte { return wsdl.AppendText(dst, s) }

// mediaTypes holds what mime.ParseMediaType made of the Content-Type
// values seen, up to maxMediaTypes of them: a client sends the same one
// with every call, and parsing it costs allocations.
var (
	mediaTypes      sync.Map // string -> parsedMediaType
	mediaTypesCount atomic.Int32
)

const maxMediaTypes = 64

type parsedMediaType struct {
	mediaType string
	params    map[string]string
	err       error
}

// parseMediaType is mime.ParseMediaType, remembered. The params returned
// are shared: they must not be changed.
func parseMediaType(v string) (string, map[string]string, error) {
	if p, ok := mediaTypes.Load(v); ok {
		p := p.(parsedMediaType)
		return p.mediaType, p.params, p.err
	}
	mt, params, err := mime.ParseMediaType(v)
	if mediaTypesCount.Load() < maxMediaTypes {
		if _, loaded := mediaTypes.LoadOrStore(v, parsedMediaType{mt, params, err}); !loaded {
			mediaTypesCount.Add(1)
		}
	}
	return mt, params, err
}
