// Package admin is the identity domain behind the SOAP admin services: OAuth
// clients today, service providers, users, tenants and sessions later. It
// knows nothing about XML or HTTP: it implements the generated service
// interfaces of package wsdl with plain Go values and reports failures as
// *Error values carrying a code and arguments; the SOAP layer turns those into
// faults with the texts of the active wire profile.
package admin

import (
	"errors"
	"fmt"
)

// SuperTenantID and SuperTenantDomain identify the tenant that exists in
// every deployment, as in WSO2 Identity Server.
const (
	SuperTenantID     int64 = -1234
	SuperTenantDomain       = "carbon.super"
)

// Storage sentinel errors. Repositories return them (possibly wrapped) so the
// domain can tell a broken constraint from a broken database.
var (
	// ErrNotFound means the requested row does not exist.
	ErrNotFound = errors.New("admin: not found")
	// ErrDuplicateName means a unique name constraint was violated.
	ErrDuplicateName = errors.New("admin: duplicate name")
	// ErrDuplicateKey means a unique consumer key constraint was violated.
	ErrDuplicateKey = errors.New("admin: duplicate consumer key")
)

// ErrorKind tells whether the caller or the server is to blame.
type ErrorKind int

const (
	// ClientError is a request the caller must change.
	ClientError ErrorKind = iota
	// ServerError is a failure of the server or its storage.
	ServerError
)

// Error is a domain error. Code selects the message text of the active
// profile; Args fill its verbs. Default is the text used when the profile has
// none for Code.
type Error struct {
	Kind    ErrorKind
	Code    string
	Args    []any
	Default string
	// Err is the underlying cause, never shown to callers.
	Err error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf(e.Default, e.Args...)
	if e.Err != nil {
		return "admin: " + msg + ": " + e.Err.Error()
	}
	return "admin: " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a client error with the given code and default text.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Kind: ClientError, Code: code, Default: format, Args: args}
}

// Internal wraps a failure of storage or of the server itself.
func Internal(code, format string, err error, args ...any) *Error {
	return &Error{Kind: ServerError, Code: code, Default: format, Args: args, Err: err}
}
