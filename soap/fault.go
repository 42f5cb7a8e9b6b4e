package soap

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// Fault codes as Axis2 names them in SOAP 1.1; SOAP 1.2 maps Client to
// Sender and Server to Receiver.
const (
	codeClient          = "Client"
	codeServer          = "Server"
	codeVersionMismatch = "VersionMismatch"
	codeMustUnderstand  = "MustUnderstand"
)

// Carbon's authentication and authorization fault codes.
const (
	CodeAuthenticationFailure = "50977"
	CodeAccessDenied          = "50978"
)

// Fault is a SOAP fault to send.
type Fault struct {
	// Code is a standard code (Client, Server, VersionMismatch,
	// MustUnderstand) or a Carbon numeric code.
	Code   string
	Reason string
	// Detail is raw XML for the detail element; empty gives <detail/>.
	Detail string
	Status int
}

func (f *Fault) Error() string { return f.Reason }

func clientFault(reason string) *Fault {
	return &Fault{Code: codeClient, Reason: reason, Status: http.StatusInternalServerError}
}

func serverFault(reason string) *Fault {
	return &Fault{Code: codeServer, Reason: reason, Status: http.StatusInternalServerError}
}

func versionMismatch(reason string) *Fault {
	return &Fault{Code: codeVersionMismatch, Reason: reason, Status: http.StatusInternalServerError}
}

// faultFor turns any error of a request into the fault to send. Domain
// errors take the active profile's text for their code.
func faultFor(err error, profile *wsdl.Profile, op string) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	var ie *wsdl.InputError
	if errors.As(err, &ie) {
		return clientFault(ie.Msg)
	}
	var de *admin.Error
	if errors.As(err, &de) {
		return domainFault(de, profile)
	}
	// Anything else is ours; say nothing about it but what Axis2 says.
	return serverFault("Exception occurred while trying to invoke service method " + op)
}

func domainFault(de *admin.Error, profile *wsdl.Profile) *Fault {
	text := de.Default
	if t, ok := profile.Message(de.Code); ok {
		text = t
	}
	reason := sprintf(text, de.Args...)
	// Upstream renders client and server exceptions of the admin services
	// alike: soapenv:Server, with an empty detail unless the profile says
	// the exception was a declared one.
	f := serverFault(reason)
	if d, ok := profile.Detail(de.Code); ok {
		f.Detail = strings.Replace(d, "%s", string(appendText(nil, reason)), 1)
	}
	return f
}

func (s *Server) writeFault(w http.ResponseWriter, v Version, f *Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	buf := make([]byte, 0, 512)
	buf = append(buf, xmlDecl...)
	switch v {
	case V12:
		w.Header().Set("Content-Type", "application/soap+xml; charset=UTF-8")
		buf = append(buf, `<soapenv:Envelope xmlns:soapenv="`+NS12+`"><soapenv:Body><soapenv:Fault`...)
		code := f.Code
		switch code {
		case codeClient:
			code = "soapenv:Sender"
		case codeServer:
			code = "soapenv:Receiver"
		case codeVersionMismatch, codeMustUnderstand:
			code = "soapenv:" + code
		default:
			buf = append(buf, ` xmlns:axis2ns2="`+NS12+`"`...)
			code = "axis2ns2:" + code
		}
		buf = append(buf, `><soapenv:Code><soapenv:Value>`...)
		buf = append(buf, code...)
		buf = append(buf, `</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en-US">`...)
		buf = appendText(buf, f.Reason)
		buf = append(buf, `</soapenv:Text></soapenv:Reason>`...)
		if f.Detail == "" {
			buf = append(buf, `<soapenv:Detail/>`...)
		} else {
			buf = append(buf, `<soapenv:Detail>`...)
			buf = append(buf, f.Detail...)
			buf = append(buf, `</soapenv:Detail>`...)
		}
	default:
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		buf = append(buf, `<soapenv:Envelope xmlns:soapenv="`+NS11+`"><soapenv:Body><soapenv:Fault`...)
		code := "soapenv:" + f.Code
		if _, err := strconv.Atoi(f.Code); err == nil {
			buf = append(buf, ` xmlns:axis2ns2="`+NS11+`"`...)
			code = "axis2ns2:" + f.Code
		}
		buf = append(buf, `><faultcode>`...)
		buf = append(buf, code...)
		buf = append(buf, `</faultcode><faultstring>`...)
		buf = appendText(buf, f.Reason)
		buf = append(buf, `</faultstring>`...)
		if f.Detail == "" {
			buf = append(buf, `<detail/>`...)
		} else {
			buf = append(buf, `<detail>`...)
			buf = append(buf, f.Detail...)
			buf = append(buf, `</detail>`...)
		}
	}
	buf = append(buf, `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`...)
	w.WriteHeader(status)
	w.Write(buf)
}
