package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkServerGetOAuthApplicationData measures the whole server for one
// getOAuthApplicationData with HTTP Basic credentials, SQLite included, the
// network left out.
func BenchmarkServerGetOAuthApplicationData(b *testing.B) {
	s := startServer(b, "is-next")
	s.do(b, call{action: "registerOAuthApplicationData", body: registerBody("bench", "bench-key", "bench-secret", "https://cb", "authorization_code password")}).ok(b)
	body := envelope(soap11, `<xsd:getOAuthApplicationData><xsd:consumerKey>bench-key</xsd:consumerKey></xsd:getOAuthApplicationData>`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+oauthSvc, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		req.Header.Set("SOAPAction", `"urn:getOAuthApplicationData"`)
		req.SetBasicAuth("admin", "admin")
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("HTTP %d", w.Code)
		}
	}
}

// BenchmarkServerGetOAuthApplicationDataParallel is the same with 32
// concurrent callers, as a loaded server sees them.
func BenchmarkServerGetOAuthApplicationDataParallel(b *testing.B) {
	s := startServer(b, "is-next")
	s.do(b, call{action: "registerOAuthApplicationData", body: registerBody("bench", "bench-key", "bench-secret", "https://cb", "authorization_code password")}).ok(b)
	body := envelope(soap11, `<xsd:getOAuthApplicationData><xsd:consumerKey>bench-key</xsd:consumerKey></xsd:getOAuthApplicationData>`)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+oauthSvc, strings.NewReader(body))
			req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
			req.Header.Set("SOAPAction", `"urn:getOAuthApplicationData"`)
			req.SetBasicAuth("admin", "admin")
			w := httptest.NewRecorder()
			s.handler.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("HTTP %d", w.Code)
				return
			}
		}
	})
}
