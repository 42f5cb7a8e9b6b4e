package web

import (
	"context"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
)

// LogEntry is what the access log says about a page request.
type LogEntry struct {
	// RequestID and Client are the request's id and address.
	RequestID, Client string
	Method            string
	// Route is the matched route, e.g. /store/applications/:id.
	Route string
	// User is the signed-in user (user@tenant), or the user name a
	// refused sign-in gave; empty otherwise.
	User     string
	Status   int
	Duration time.Duration
}

// routes registers handlers with the access log around them.
type routes struct {
	s *Server
	r *httprouter.Router
}

func (rt routes) GET(path string, h httprouter.Handle)  { rt.r.GET(path, rt.s.logged(path, h)) }
func (rt routes) POST(path string, h httprouter.Handle) { rt.r.POST(path, rt.s.logged(path, h)) }
func (rt routes) Handler(method, path string, h http.Handler) {
	rt.r.Handle(method, path, rt.s.logged(path, func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) { h.ServeHTTP(w, r) }))
}

// logLine is filled in by the handlers of one request: the user.
type logLine struct{ user string }

type logLineKey struct{}

// noteUser records the user of the request for the access log.
func noteUser(ctx context.Context, user string) {
	if l, ok := ctx.Value(logLineKey{}).(*logLine); ok {
		l.user = user
	}
}

// statusRecorder keeps a response's status for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// logged wraps h with the access log: one entry per request, after it.
func (s *Server) logged(route string, h httprouter.Handle) httprouter.Handle {
	if s.Log == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		start := time.Now()
		line := &logLine{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r.WithContext(context.WithValue(r.Context(), logLineKey{}, line)), ps)
		ctx := r.Context()
		s.Log(LogEntry{RequestID: admin.RequestIDFrom(ctx), Client: admin.SourceFrom(ctx), Method: r.Method, Route: route,
			User: line.user, Status: rec.status, Duration: time.Since(start)})
	}
}
