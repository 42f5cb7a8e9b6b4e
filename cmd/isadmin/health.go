package main

import (
	"context"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
)

// registerHealth adds the health endpoints: /health/live answers while the
// process serves; /health/ready also asks the database, and answers 503
// while it does not answer. Both are unauthenticated and say nothing but
// their status.
func (m *Main) registerHealth(r *httprouter.Router) {
	r.GET("/health/live", func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
		writeHealth(w, http.StatusOK, "UP")
	})
	r.GET("/health/ready", func(w http.ResponseWriter, req *http.Request, _ httprouter.Params) {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		if err := m.DB.Ping(ctx); err != nil {
			m.Log.Warn().Err(err).Msg("readiness: the database does not answer")
			writeHealth(w, http.StatusServiceUnavailable, "DOWN")
			return
		}
		writeHealth(w, http.StatusOK, "UP")
	})
}

func writeHealth(w http.ResponseWriter, status int, state string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(`{"status":"` + state + `"}` + "\n"))
}
