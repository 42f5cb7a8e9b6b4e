package soap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/isadmin/isadmin/wsdl"
)

// Client calls the admin services of a remote server, another isadmin or a
// real Identity Server, in one wire profile, with HTTP Basic credentials. It
// implements wsdl.Caller, so the generated <Service>Client types run on it.
type Client struct {
	// URL is the server's base URL, e.g. https://is.example.com:9443.
	URL     string
	Profile *wsdl.Profile
	// Version is V11 (the default) or V12.
	Version            Version
	Username, Password string
	HTTP               *http.Client
}

// RemoteFault is a fault a remote server answered with.
type RemoteFault struct {
	Status int
	Code   string
	Reason string
}

func (f *RemoteFault) Error() string {
	return fmt.Sprintf("soap: remote fault (HTTP %d, %s): %s", f.Status, f.Code, f.Reason)
}

const maxResponseBytes = 64 << 20

// xmlDecl opens a request document.
const xmlDecl = `<?xml version='1.0' encoding='UTF-8'?>`

var _ wsdl.Caller = (*Client)(nil)

// Call sends one operation and reads its answer.
func (c *Client) Call(ctx context.Context, service, operation string, req wsdl.Struct) (wsdl.Struct, error) {
	svc := c.Profile.Service(service)
	if svc == nil {
		return nil, fmt.Errorf("soap: profile %s has no service %s", c.Profile.Name, service)
	}
	op := svc.Operation(operation)
	if op == nil {
		return nil, fmt.Errorf("soap: profile %s has no operation %s.%s", c.Profile.Name, service, operation)
	}
	e := wsdl.NewEncoder(make([]byte, 0, 2048))
	e.WriteString(xmlDecl)
	ns := NS11
	if c.Version == V12 {
		ns = NS12
	}
	e.WriteString(`<soapenv:Envelope xmlns:soapenv="` + ns + `"><soapenv:Body>`)
	e.Request(op, req)
	e.WriteString(`</soapenv:Body></soapenv:Envelope>`)

	port := service + "HttpsSoap11Endpoint"
	if c.Version == V12 {
		port = service + "HttpsSoap12Endpoint"
	}
	url := strings.TrimSuffix(c.URL, "/") + "/services/" + service + "." + port + "/"
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(e.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("soap: %w", err)
	}
	if c.Version == V12 {
		hr.Header.Set("Content-Type", `application/soap+xml; charset=UTF-8; action="`+op.Action+`"`)
	} else {
		hr.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		hr.Header.Set("SOAPAction", `"`+op.Action+`"`)
	}
	hr.SetBasicAuth(c.Username, c.Password)
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("soap: calling %s: %w", operation, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("soap: reading the answer to %s: %w", operation, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, &RemoteFault{Status: resp.StatusCode, Code: "401", Reason: "the server wants credentials"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if resp.StatusCode/100 == 2 && (op.OneWay || op.Output == nil) {
			return nil, nil
		}
		return nil, &RemoteFault{Status: resp.StatusCode, Reason: "empty answer to " + operation}
	}
	return readAnswer(body, resp.StatusCode, op)
}

// readAnswer reads a response envelope: the response wrapper, or the fault.
func readAnswer(body []byte, status int, op *wsdl.Operation) (wsdl.Struct, error) {
	d := wsdl.NewDecoder(bytes.NewReader(body), 0)
	defer d.Close()
	root, ok, err := d.NextElement()
	if err != nil || !ok || root.Name.Local != "Envelope" {
		return nil, fmt.Errorf("soap: the answer to %s is no SOAP envelope (HTTP %d)", op.Name, status)
	}
	for {
		el, ok, err := d.NextElement()
		if err != nil {
			return nil, fmt.Errorf("soap: reading the answer to %s: %w", op.Name, err)
		}
		if !ok {
			return nil, fmt.Errorf("soap: the answer to %s has no Body", op.Name)
		}
		if el.Name.Local != "Body" {
			if err := d.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	first, ok, err := d.NextElement()
	if err != nil {
		return nil, fmt.Errorf("soap: reading the answer to %s: %w", op.Name, err)
	}
	if !ok {
		return nil, nil
	}
	if first.Name.Local == "Fault" {
		f, err := readElement(d, first)
		if err != nil {
			return nil, err
		}
		rf := &RemoteFault{Status: status}
		if c := f.SelectElement("faultcode"); c != nil {
			rf.Code = strings.TrimSpace(c.Text())
			if s := f.SelectElement("faultstring"); s != nil {
				rf.Reason = s.Text()
			}
		} else {
			if v := f.FindElement("Code/Value"); v != nil {
				rf.Code = strings.TrimSpace(v.Text())
			}
			if t := f.FindElement("Reason/Text"); t != nil {
				rf.Reason = t.Text()
			}
		}
		return nil, rf
	}
	if status/100 != 2 {
		return nil, &RemoteFault{Status: status, Reason: "unexpected answer " + first.Name.Local}
	}
	if op.Output == nil {
		return nil, nil
	}
	v := op.Output.New()
	if err := d.DecodeStruct(op.Output, v); err != nil {
		return nil, fmt.Errorf("soap: reading the answer to %s: %w", op.Name, err)
	}
	return v, nil
}
