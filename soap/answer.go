package soap

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/isadmin/isadmin/wsdl"
)

// reply is what the answer to a request depends on besides its content:
// the SOAP version, the charset and the WS-Addressing headers.
type reply struct {
	v   Version
	cs  charset
	wsa *addressing
}

func newReply(v Version) *reply { return &reply{v: v, cs: charset{label: defaultCharset}} }

// contentType is the answer's Content-Type as Carbon's Tomcat sends it:
// the formatter's "type; charset=label" (SOAPMessageFormatter,
// ApplicationXMLFormatter) re-rendered without the space after the
// semicolon (Tomcat's Response.getContentType), and no action parameter
// on SOAP 1.2 (Carbon's axis2.xml sets OmitSOAP12Action on its transport
// senders).
func (rp *reply) contentType() string {
	utf8 := rp.cs.label == defaultCharset
	switch rp.v {
	case V12:
		if utf8 {
			return "application/soap+xml;charset=UTF-8"
		}
		return "application/soap+xml;charset=" + rp.cs.label
	case POX:
		if utf8 {
			return "application/xml;charset=UTF-8"
		}
		return "application/xml;charset=" + rp.cs.label
	}
	if utf8 {
		return "text/xml;charset=UTF-8"
	}
	return "text/xml;charset=" + rp.cs.label
}

// open writes what precedes the answer's payload: the XML declaration
// (single quotes, the charset label; Axiom's SOAPEnvelopeImpl writes the
// start of the document), the envelope with soapenv alone declared, the
// WS-Addressing header when the request had some, and the Body. A plain
// XML answer is the payload alone (ApplicationXMLFormatter writes the
// element).
func (rp *reply) open(e *wsdl.Encoder, action string) {
	if rp.v == POX {
		return
	}
	e.WriteString(`<?xml version='1.0' encoding='`)
	e.WriteString(rp.cs.label)
	e.WriteString(`'?><soapenv:Envelope xmlns:soapenv="`)
	e.WriteString(rp.v.namespace())
	e.WriteString(`">`)
	if rp.wsa != nil {
		e.WriteString(string(rp.wsa.header(nil, action)))
	}
	e.WriteString(`<soapenv:Body>`)
}

func (rp *reply) close(e *wsdl.Encoder) {
	if rp.v != POX {
		e.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	}
}

// send writes a whole answer. Every answer goes out chunked, as Axis2's
// servlet flushes its stream before the length is known
// (AxisServlet.doPost ends with bufferedOut.flush()).
func (rp *reply) send(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", rp.contentType())
	w.WriteHeader(status)
	body = rp.cs.encodeAnswer(body)
	w.Write(body)
	if len(body) <= chunkingThreshold {
		flush(w)
	}
}

// chunkingThreshold is the size up to which net/http would send a
// Content-Length rather than chunks, had the answer not been flushed
// (its bufferBeforeChunkingSize); a larger answer goes out chunked by
// itself, without the write a flush costs.
const chunkingThreshold = 2048

// accepted answers a one-way operation, or a request whose answer goes
// nowhere: HTTP 202, a text/xml Content-Type with the request's charset,
// no body (AxisServlet.doPost: SC_ACCEPTED and
// setContentType("text/xml; charset=" + CHARACTER_SET_ENCODING)).
func (rp *reply) accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml;charset="+rp.cs.label)
	w.WriteHeader(http.StatusAccepted)
	flush(w)
}

func flush(w http.ResponseWriter) { http.NewResponseController(w).Flush() }

// writer is where a streamed answer goes: w, through the charset's
// encoder when it is not UTF-8. done flushes what the encoder holds.
func (rp *reply) writer(w http.ResponseWriter) (out io.Writer, done func()) {
	if rp.cs.enc == nil {
		return w, func() {}
	}
	tw := transform.NewWriter(w, encoding.HTMLEscapeUnsupported(rp.cs.enc.NewEncoder()))
	return tw, func() { tw.Close() }
}

func (s *Server) writeResponse(w http.ResponseWriter, rp *reply, op *wsdl.Operation, resp wsdl.Struct) {
	e := s.encoder()
	defer s.release(e)
	rp.open(e, op.Action+"Response")
	e.Response(op, resp)
	rp.close(e)
	rp.send(w, http.StatusOK, e.Bytes())
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

// streamChunk is how much of a streamed response is buffered before it is
// written out.
const streamChunk = 32 << 10

// stream answers an operation returning a list element by element, so
// memory does not grow with the list. streamed is false when the
// implementation cannot stream. An error before the first element is
// returned for a fault; after it, the connection is cut, so that a
// truncated list can never pass for a whole one.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, rp *reply, op *wsdl.Operation, impl any, req wsdl.Struct) (streamed bool, err error) {
	e := s.encoder()
	defer s.release(e)
	var out io.Writer
	done := func() {}
	started := false
	begin := func() {
		w.Header().Set("Content-Type", rp.contentType())
		out, done = rp.writer(w)
		rp.open(e, op.Action+"Response")
		e.ResponseStart(op)
		started = true
	}
	emit := func(item wsdl.Struct) error {
		if !started {
			begin()
		}
		e.ResponseItem(op, item)
		if len(e.Bytes()) >= streamChunk {
			if _, err := out.Write(e.Bytes()); err != nil {
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
	rp.close(e)
	out.Write(e.Bytes())
	done()
	flush(w)
	return true, nil
}

// axis2Prefix is the prefix Axis2 declares on a fault for a code without
// a namespace (MessageContextBuilder.createFaultEnvelope): Axiom numbers
// it from a counter of the whole JVM (OMSerializerUtil.getNextNSPrefix),
// so it varies from server to server; 2 is what the captured authentication
// fault shows.
const axis2Prefix = "axis2ns2"

// writeFault writes f as the answer to a request of version v.
func (s *Server) writeFault(w http.ResponseWriter, v Version, f *Fault) {
	s.writeFaultReply(w, newReply(v), f)
}

// writeFaultReply writes f in the reply's version and charset, with the
// WS-Addressing fault headers when the request had some, and returns the
// status: f's, else 500, or 400 for a SOAP 1.2 Sender fault
// (AxisServlet.processAxisFault and handleFault).
func (s *Server) writeFaultReply(w http.ResponseWriter, rp *reply, f *Fault) int {
	buf := make([]byte, 0, 512)
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if rp.v == POX {
		// ApplicationXMLFormatter writes the detail's first element, else
		// the fault's reason element.
		if f.Detail != "" {
			buf = append(buf, f.Detail...)
		} else {
			buf = append(buf, `<faultstring>`...)
			buf = appendText(buf, f.Reason)
			buf = append(buf, `</faultstring>`...)
		}
		rp.send(w, status, buf)
		return status
	}
	buf = append(buf, `<?xml version='1.0' encoding='`+rp.cs.label+`'?><soapenv:Envelope xmlns:soapenv="`+rp.v.namespace()+`">`...)
	if f.wsaProblem != "" {
		buf = f.addressingHeader(buf, rp)
	} else if rp.wsa != nil {
		buf = rp.wsa.header(buf, rp.wsa.faultAction())
	}
	buf = append(buf, `<soapenv:Body><soapenv:Fault`...)
	code := f.code(rp.v)
	switch {
	case f.wsaProblem != "":
		if rp.v == V11 {
			buf = append(buf, ` xmlns:wsa="`+f.wsaNS+`"`...)
		}
	case f.generated():
		buf = append(buf, ` xmlns:`+axis2Prefix+`="`+rp.v.namespace()+`"`...)
	}
	if rp.v == V12 {
		if code == "soapenv:Sender" && status == http.StatusInternalServerError {
			status = http.StatusBadRequest
		}
		buf = append(buf, `><soapenv:Code><soapenv:Value>`...)
		buf = append(buf, code...)
		buf = append(buf, `</soapenv:Value>`...)
		if f.wsaProblem != "" {
			buf = append(buf, `<soapenv:Subcode><soapenv:Value xmlns:wsa="`+f.wsaNS+`">wsa:`+f.Code+`</soapenv:Value></soapenv:Subcode>`...)
		}
		buf = append(buf, `</soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en-US">`...)
		buf = appendText(buf, f.Reason)
		buf = append(buf, `</soapenv:Text></soapenv:Reason>`...)
		switch {
		case f.wsaProblem != "":
			buf = append(buf, `<soapenv:Detail><wsa:ProblemHeaderQName xmlns:wsa="`+f.wsaNS+`">wsa:`+f.wsaProblem+`</wsa:ProblemHeaderQName></soapenv:Detail>`...)
		case f.Detail == "":
			buf = append(buf, `<soapenv:Detail/>`...)
		default:
			buf = append(buf, `<soapenv:Detail>`...)
			buf = append(buf, f.Detail...)
			buf = append(buf, `</soapenv:Detail>`...)
		}
	} else {
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
	rp.send(w, status, buf)
	return status
}

// code is the fault code as written in version v.
func (f *Fault) code(v Version) string {
	switch {
	case f.wsaProblem != "":
		if v == V12 {
			return "soapenv:Sender"
		}
		return "wsa:" + f.Code
	case f.generated():
		return axis2Prefix + ":" + f.Code
	case v == V12 && f.Code == codeClient:
		return "soapenv:Sender"
	case v == V12 && f.Code == codeServer:
		return "soapenv:Receiver"
	}
	return "soapenv:" + f.Code
}

// generated reports whether Axis2 gives the code a prefix of its own: a
// code it was given without a namespace (Carbon's numeric codes, and the
// dispatch and mustUnderstand faults, which name Client and
// MustUnderstand by local name alone).
func (f *Fault) generated() bool {
	if f.Unqualified {
		return true
	}
	_, err := strconv.Atoi(f.Code)
	return err == nil
}

// addressingHeader writes the header of an addressing fault
// (AddressingFaultsHelper.triggerAddressingFault): the addressing fault
// action and, in SOAP 1.1, the problem header in a FaultDetail.
func (f *Fault) addressingHeader(buf []byte, rp *reply) []byte {
	action := wsaFaultAction
	if f.wsaNS == nsWSASubmission {
		action = submissionFaultAction
	}
	buf = append(buf, `<soapenv:Header xmlns:wsa="`+f.wsaNS+`">`...)
	buf = appendWSA(buf, "Action", action)
	if rp.v == V11 {
		buf = append(buf, `<wsa:FaultDetail><wsa:ProblemHeaderQName>wsa:`+f.wsaProblem+`</wsa:ProblemHeaderQName></wsa:FaultDetail>`...)
	}
	return append(buf, `</soapenv:Header>`...)
}
