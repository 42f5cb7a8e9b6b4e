package soap

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/wsdl"
)

// notFoundPage is Carbon's error page for 404 (the carbon web app's
// errors/error_404.html, which CarbonServlet's sendError(404) shows).
const notFoundPage = "<html>\n    <head>\n        <title>Error 404</title>\n    </head>\n    <body>\n        <h1>Error 404 - Not Found</h1>\n    </body>\n</html>"

// metadataQuery names the metadata a GET asks for, as CarbonServlet.doGet
// matches its HttpGetRequestProcessors (info, wsdl, wsdl2, xsd): the query
// starts with the name, followed by nothing, '&' or '='. "" means none:
// the request is a REST call.
func metadataQuery(query string) string {
	for _, item := range []string{"wsdl", "wsdl2", "xsd"} {
		if !strings.HasPrefix(query, item) {
			continue
		}
		if rest := query[len(item):]; rest == "" || rest[0] == '&' || rest[0] == '=' {
			return item
		}
	}
	return ""
}

// serveGet answers GET and HEAD (which Carbon answers as GET without the
// body): ?wsdl, ?wsdl2 and ?xsd= with the service's documents, anything
// else as a REST call (Axis2 RESTUtil.processURLRequest).
func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	t, rl, start := s.begin(ps)
	defer s.logRequest(r, rl, start)

	item := metadataQuery(r.URL.RawQuery)
	if item == "" {
		s.serveREST(w, r, t, rl)
		return
	}
	rl.op = "?" + item
	if t.service == nil {
		// Wsdl11Processor and XsdUtil answer 404 for a service they do not
		// know; CarbonServlet shows its error page.
		rl.status = http.StatusNotFound
		s.page(w, r, http.StatusNotFound, []byte(notFoundPage))
		return
	}
	var doc []byte
	switch item {
	case "wsdl":
		doc = s.document(t.service, false)
	case "wsdl2":
		doc = s.document(t.service, true)
	case "xsd":
		// XsdUtil: the name after "=", "xsd0.xsd" or "xsd0".
		name := strings.TrimSuffix(r.URL.Query().Get("xsd"), ".xsd")
		var err error
		if doc, err = t.service.Schema(name); err != nil {
			rl.status = http.StatusNotFound
			s.page(w, r, http.StatusNotFound, []byte(notFoundPage))
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Write(doc)
}

// page writes an HTML error page.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// document returns the service's WSDL 1.1 or 2.0 document with this
// server's endpoint addresses.
func (s *Server) document(svc *wsdl.Service, wsdl2 bool) []byte {
	key := svc.Name
	if wsdl2 {
		key += "?wsdl2"
	}
	s.docsMu.Lock()
	defer s.docsMu.Unlock()
	if doc, ok := s.docs[key]; ok {
		return doc
	}
	src := svc.Document
	if wsdl2 {
		src = svc.Document20()
	}
	address := s.Address
	if address == "" {
		address = wsdl.DefaultAddress
	}
	doc := bytes.ReplaceAll(src, []byte(wsdl.DefaultAddress), []byte(address))
	if s.docs == nil {
		s.docs = map[string][]byte{}
	}
	s.docs[key] = doc
	return doc
}

// serveREST answers a GET that is no metadata request as Axis2's REST
// dispatch does: GET /services/<Service>/<operation>?param=value invokes
// the operation, its request wrapper made of the query parameters that
// name its elements, in schema order (BuilderUtil.buildsoapMessage); the
// answer is the response wrapper alone, as application/xml. Only HTTP
// Basic authenticates such a call here: a session cookie alone, which a
// browser sends along with any link, never changes anything through GET;
// and a call a page of another site makes is refused.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, t target, rl *requestLog) {
	rp := newReply(POX)
	fail := func(err error) {
		f := faultFor(err, s.Profile, rl.service, rl.op)
		rl.fault = f.Code
		rl.status = s.writeFaultReply(w, rp, f)
	}
	epr := servicePath(r)
	if r.URL.RawQuery != "" {
		epr += "?" + r.URL.RawQuery
	}
	if t.service == nil {
		fail(dispatchFault("The service cannot be found for the endpoint reference (EPR) " + epr))
		return
	}
	op := t.service.Operation(t.op)
	if op == nil {
		fail(dispatchFault("The endpoint reference (EPR) for the Operation not found is " + epr +
			" and the WSA Action = null. If this EPR was previously reachable, please contact the server administrator."))
		return
	}
	rl.op = op.Name
	if r.TLS == nil && !s.HTTPAdminServices {
		fail(serverFault("The service cannot be found for the endpoint reference (EPR) " + epr))
		return
	}
	// A browser also sends HTTP Basic credentials it keeps with a link or
	// an image of another site's page.
	if why := fromOtherSite(r); why != "" {
		fail(crossSiteFault(why))
		return
	}
	env, err := readEnvelope(strings.NewReader(restRequest(op, r.URL.Query())), POX, s.MaxDepth)
	defer env.dec.Close()
	if err != nil {
		fail(err)
		return
	}
	// No session: only the credentials of the call itself count.
	get := r.Clone(r.Context())
	get.Header.Del("Cookie")
	ctx, ok := s.authenticateCall(w, get, rl, op, env, t.tenant, fail)
	if !ok {
		return
	}
	req, err := s.decodeRequest(env, op)
	if err != nil {
		fail(err)
		return
	}
	if err := env.finish(); err != nil {
		fail(err)
		return
	}
	s.run(ctx, w, r, rl, rp, op, req, fail)
}

// restRequest writes the request wrapper of op from query parameters:
// every parameter named as one of the wrapper's simple elements becomes
// that element, repeated for repeated parameters, in schema order;
// elements of complex type cannot be given in a URL.
func restRequest(op *wsdl.Operation, q url.Values) string {
	var b strings.Builder
	ns := op.Service.WrapperNamespace
	name := op.Name
	if op.Input != nil {
		name = op.Input.Name.Local
		ns = op.Input.Name.Space
	}
	b.WriteString(`<ns:` + name + ` xmlns:ns="` + ns + `">`)
	if op.Input != nil {
		for _, f := range op.Input.Fields {
			if f.Elem != nil {
				continue
			}
			for _, v := range q[f.Name] {
				b.WriteString(`<` + f.Name + ` xmlns="` + f.Space + `">`)
				b.Write(appendText(nil, v))
				b.WriteString(`</` + f.Name + `>`)
			}
		}
	}
	b.WriteString(`</ns:` + name + `>`)
	return b.String()
}
