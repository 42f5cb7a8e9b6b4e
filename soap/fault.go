package soap

import (
	"errors"
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
	Code string
	// Unqualified marks a code Axis2 names by local name alone, which it
	// writes with a prefix of its own in SOAP 1.1 and 1.2 alike; numeric
	// codes are always so.
	Unqualified bool
	Reason      string
	// Detail is raw XML for the detail element; empty gives <detail/>.
	Detail string
	// Status is the HTTP status; 0 is Axis2's: 500, or 400 for a SOAP 1.2
	// Sender fault.
	Status int

	// wsaProblem names the WS-Addressing header whose absence the fault
	// reports, in namespace wsaNS.
	wsaProblem, wsaNS string
}

// dispatchFault is Axis2's answer to a request it cannot route
// (DispatchPhase.checkPostConditions): code Client by local name, HTTP 500.
func dispatchFault(reason string) *Fault {
	return &Fault{Code: codeClient, Unqualified: true, Reason: reason}
}

// addressingFault reports a missing WS-Addressing header
// (AddressingFaultsHelper.triggerMessageAddressingRequiredFault).
func addressingFault(a *addressing, header string) *Fault {
	code := wsaHeaderRequiredFault
	if a.ns == nsWSASubmission {
		code = "MessageInformationHeaderRequired"
	}
	return &Fault{Code: code, Reason: wsaHeaderRequiredText, wsaProblem: header, wsaNS: a.ns}
}

func (f *Fault) Error() string { return f.Reason }

func clientFault(reason string) *Fault {
	return &Fault{Code: codeClient, Reason: reason}
}

func serverFault(reason string) *Fault {
	return &Fault{Code: codeServer, Reason: reason}
}

func versionMismatch(reason string) *Fault {
	return &Fault{Code: codeVersionMismatch, Reason: reason}
}

// faultFor turns any error of a request into the fault to send. Domain
// errors take the active profile's text for their code.
func faultFor(err error, profile *wsdl.Profile, service, op string) *Fault {
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
		return domainFault(de, profile, service)
	}
	// Anything else is ours; say nothing about it but what Axis2 says.
	return serverFault("Exception occurred while trying to invoke service method " + op)
}

func domainFault(de *admin.Error, profile *wsdl.Profile, service string) *Fault {
	reason := profile.Text(de.Code, de.Default, de.Args...)
	// Upstream renders client and server exceptions of the admin services
	// alike: soapenv:Server, with an empty detail unless the profile says
	// the exception was a declared one.
	f := serverFault(reason)
	if d, ok := profile.Detail(service, de.Code); ok {
		f.Detail = strings.Replace(d, "%s", string(appendText(nil, reason)), 1)
	}
	return f
}
