package soap

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

const xmlDecl = `<?xml version='1.0' encoding='UTF-8'?>`

// DefaultMaxBodyBytes caps a request body.
const DefaultMaxBodyBytes = 10 << 20

// Server answers the admin services of one wire profile.
type Server struct {
	Profile *wsdl.Profile
	// Services maps a service name to its implementation of the generated
	// interface of that name.
	Services map[string]any
	Identity Identity
	// Realm is announced in WWW-Authenticate when credentials are missing.
	Realm        string
	MaxBodyBytes int64
	MaxDepth     int
	Log          zerolog.Logger
	// Now is the clock used for request durations.
	Now func() time.Time

	bufs sync.Pool
}

// Register adds the /services routes to r.
func (s *Server) Register(r *httprouter.Router) {
	r.Handle(http.MethodPost, "/services/*path", s.servePost)
	r.Handle(http.MethodGet, "/services/*path", s.serveGet)
	// A tenant's services, as Identity Server serves them.
	r.Handle(http.MethodPost, "/t/:tenant/services/*path", s.servePost)
	r.Handle(http.MethodGet, "/t/:tenant/services/*path", s.serveGet)
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
}

func (s *Server) logRequest(r *http.Request, rl *requestLog, status int, start time.Time) {
	s.Log.Info().
		Str("service", rl.service).
		Str("operation", rl.op).
		Str("profile", s.Profile.Name).
		Str("user", rl.user).
		Str("method", r.Method).
		Int("status", status).
		Str("fault", rl.fault).
		Dur("duration", s.Now().Sub(start)).
		Msg("soap request")
}

func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	start := s.Now()
	t := s.parseTarget(ps.ByName("path"))
	t.tenant = ps.ByName("tenant")
	rl := &requestLog{service: t.name, op: "?wsdl"}
	status := http.StatusOK
	defer func() { s.logRequest(r, rl, status, start) }()
	if t.service == nil {
		status = http.StatusNotFound
		rl.fault = codeClient
		s.writeFault(w, V11, &Fault{Code: codeClient, Reason: "The service cannot be found for the endpoint reference (EPR) " + r.URL.Path, Status: status})
		return
	}
	q := r.URL.Query()
	base := baseURL(r)
	switch {
	case q.Has("wsdl"):
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		w.Write(bytes.ReplaceAll(t.service.Document, []byte("https://localhost:9443"), []byte(base)))
	case q.Has("xsd"):
		doc, err := t.service.Schema(q.Get("xsd"))
		if err != nil {
			status = http.StatusNotFound
			rl.fault = codeClient
			s.writeFault(w, V11, &Fault{Code: codeClient, Reason: err.Error(), Status: status})
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		w.Write(doc)
	default:
		status = http.StatusMethodNotAllowed
		rl.fault = codeClient
		w.Header().Set("Allow", "POST")
		s.writeFault(w, V11, &Fault{Code: codeClient, Reason: "HTTP GET is answered only with ?wsdl or ?xsd=; send operations with POST", Status: status})
	}
}

// baseURL is the scheme and host the request came in on.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// transport reads the SOAP version and action from the HTTP headers.
func transport(r *http.Request, t target) (Version, string, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct != "" && err != nil {
		return V11, "", clientFault("Invalid Content-Type " + ct)
	}
	action := strings.Trim(strings.TrimSpace(r.Header.Get("SOAPAction")), `"`)
	v := V11
	switch {
	case t.endpoint == POX:
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

func (s *Server) servePost(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	start := s.Now()
	t := s.parseTarget(ps.ByName("path"))
	t.tenant = ps.ByName("tenant")
	rl := &requestLog{service: t.name}
	status := http.StatusOK
	defer func() { s.logRequest(r, rl, status, start) }()

	v, action, err := transport(r, t)
	fail := func(err error) {
		f := faultFor(err, s.Profile, rl.op)
		rl.fault = f.Code
		status = f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		s.writeFault(w, v, f)
	}
	if err != nil {
		fail(err)
		return
	}
	if t.service == nil {
		fail(&Fault{Code: codeClient, Reason: "The service cannot be found for the endpoint reference (EPR) " + r.URL.Path, Status: http.StatusInternalServerError})
		return
	}

	max := s.MaxBodyBytes
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	body := http.MaxBytesReader(w, r.Body, max)
	env, err := readEnvelope(body, v, s.MaxDepth)
	defer env.dec.Close()
	if err != nil {
		fail(tooLarge(err))
		return
	}
	if f := s.checkHeaders(env); f != nil {
		fail(f)
		return
	}
	op, err := s.dispatch(t, action, env, r.URL.Path)
	if err != nil {
		fail(err)
		return
	}
	rl.op = op.Name

	sink := &admin.SessionSink{Cookie: sessionCookie(r), TenantDomain: t.tenant}
	ctx := admin.WithSessionSink(r.Context(), sink)
	if anyOf, authenticate := s.Profile.Permissions(op.Service.Name, op.Name); authenticate {
		p, err := s.authenticate(ctx, r, env, sink.Cookie)
		if errors.Is(err, errNoCredentials) {
			status = http.StatusUnauthorized
			rl.fault = "401"
			w.Header().Set("WWW-Authenticate", `Basic realm="`+s.Realm+`"`)
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			w.WriteHeader(status)
			return
		}
		if err != nil {
			fail(err)
			return
		}
		rl.user = p.QualifiedName()
		if err := s.authorize(ctx, p, t.tenant, anyOf); err != nil {
			fail(err)
			return
		}
		ctx = admin.WithPrincipal(ctx, p)
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

	impl := s.Services[op.Service.Name]
	if impl == nil {
		fail(serverFault("The service " + op.Service.Name + " is not available"))
		return
	}
	if op.Binding.Stream != nil && op.Output != nil && !op.OneWay {
		streamed, err := s.stream(ctx, w, v, op, impl, req)
		if streamed {
			if err != nil {
				fail(err)
			}
			return
		}
	}
	resp, err := invoke(ctx, op, impl, req)
	setSessionCookie(w, r, sink)
	if err != nil {
		if f := faultFor(err, s.Profile, op.Name); f.Code == codeServer {
			var de *admin.Error
			if !errors.As(err, &de) || de.Kind == admin.ServerError {
				s.Log.Error().Err(err).Str("operation", op.Name).Msg("operation failed")
			}
		}
		fail(err)
		return
	}
	if op.OneWay {
		status = http.StatusAccepted
		w.WriteHeader(status)
		return
	}
	s.writeResponse(w, v, op, resp)
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

func basicAuth(r *http.Request) (user, pass string, ok bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		// Undecodable credentials are wrong credentials, not missing ones.
		return "", "", true
	}
	user, pass, _ = strings.Cut(string(raw), ":")
	return user, pass, true
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
		return &Fault{
			Code:   codeMustUnderstand,
			Reason: "Must Understand check failed for headers: {" + h.NamespaceURI() + "}" + h.Tag,
			Status: http.StatusInternalServerError,
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
	}
	shown := action
	if shown == "" {
		shown = env.Action
	}
	return nil, clientFault("The endpoint reference (EPR) for the Operation not found is " + path +
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
		return nil, clientFault("namespace mismatch require " + op.Input.Name.Space + " found " + env.Body.Name.Space)
	}
	if err := env.dec.DecodeStruct(op.Input, req); err != nil {
		return nil, err
	}
	return req, nil
}

func (s *Server) writeResponse(w http.ResponseWriter, v Version, op *wsdl.Operation, resp wsdl.Struct) {
	e := s.encoder()
	defer s.release(e)
	startEnvelope(w, e, v, op)
	e.Response(op, resp)
	endEnvelope(e, v)
	w.Write(e.Bytes())
}

func (s *Server) encoder() *wsdl.Encoder {
	e, _ := s.bufs.Get().(*wsdl.Encoder)
	if e == nil {
		e = wsdl.NewEncoder(make([]byte, 0, 4096))
	}
	e.Reset()
	return e
}

func (s *Server) release(e *wsdl.Encoder) {
	if cap(e.Bytes()) <= 1<<20 {
		s.bufs.Put(e)
	}
}

// startEnvelope sets the content type and opens the envelope and body.
func startEnvelope(w http.ResponseWriter, e *wsdl.Encoder, v Version, op *wsdl.Operation) {
	e.WriteString(xmlDecl)
	switch v {
	case V12:
		w.Header().Set("Content-Type", "application/soap+xml; action=\"urn:"+op.Name+"Response\"; charset=UTF-8")
		e.WriteString(`<soapenv:Envelope xmlns:soapenv="` + NS12 + `"><soapenv:Body>`)
	case V11:
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		e.WriteString(`<soapenv:Envelope xmlns:soapenv="` + NS11 + `"><soapenv:Body>`)
	case POX:
		w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	}
}

func endEnvelope(e *wsdl.Encoder, v Version) {
	if v != POX {
		e.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	}
}

// streamChunk is how much of a streamed response is buffered before it is
// written out.
const streamChunk = 32 << 10

// stream answers an operation returning a list element by element, so
// memory does not grow with the list. streamed is false when the
// implementation cannot stream. An error before the first element is
// returned for a fault; after it, the connection is cut, so that a
// truncated list can never pass for a whole one.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, v Version, op *wsdl.Operation, impl any, req wsdl.Struct) (streamed bool, err error) {
	e := s.encoder()
	defer s.release(e)
	started := false
	begin := func() {
		startEnvelope(w, e, v, op)
		e.ResponseStart(op)
		started = true
	}
	emit := func(item wsdl.Struct) error {
		if !started {
			begin()
		}
		e.ResponseItem(op, item)
		if len(e.Bytes()) >= streamChunk {
			if _, err := w.Write(e.Bytes()); err != nil {
				return err
			}
			e.Reset()
		}
		return nil
	}
	ok, err := func() (ok bool, err error) {
		defer func() {
			if p := recover(); p != nil {
				ok, err = true, fmt.Errorf("soap: panic in %s: %v", op.Name, p)
			}
		}()
		return op.Binding.Stream(ctx, impl, req, emit)
	}()
	if !ok {
		return false, nil
	}
	if err != nil {
		if !started {
			return true, err
		}
		s.Log.Error().Err(err).Str("operation", op.Name).Msg("streamed response failed; connection cut")
		panic(http.ErrAbortHandler)
	}
	if !started {
		begin()
	}
	e.ResponseEnd(op)
	endEnvelope(e, v)
	w.Write(e.Bytes())
	return true, nil
}

// appendText appends s as XML text: fault texts may quote request bytes,
// and the answer must stay well-formed UTF-8 whatever they were.
func appendText(dst []byte, s string) []byte { return wsdl.AppendText(dst, s) }

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
