package storeapi

import (
	_ "embed"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// openAPI is the OpenAPI 3 document of the store: the REST API under
// BasePath and, with a server of their own, the legacy Jaggery actions.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3 document (JSON) the server publishes at
// BasePath + "/openapi.json".
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// getOpenAPI serves the OpenAPI document; it needs no login.
func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPI)
}
