package soap

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// Carbon engages the addressing module globally (axis2.xml: <module
// ref="addressing"/>). A request without WS-Addressing headers gets an
// answer without them (AddressingInHandler sets
// DISABLE_ADDRESSING_FOR_OUT_MESSAGES unless it finds some); one with them
// gets the headers AddressingOutHandler writes, in its order To, ReplyTo,
// MessageID, Action, RelatesTo, with the prefix wsa declared on
// soapenv:Header, no mustUnderstand and no RelationshipType (apache
// axis-axis2-java-core AddressingOutHandler.writeHeaders, processToEPR,
// addToSOAPHeader, processRelatesTo; MessageContextBuilder
// createOutMessageContext).

// Addressing URIs.
const (
	wsaAnonymous           = nsWSA + "/anonymous"
	wsaNone                = nsWSA + "/none"
	wsaSOAPFaultAction     = nsWSA + "/soap/fault"
	wsaFaultAction         = nsWSA + "/fault"
	submissionAnonymous    = nsWSASubmission + "/role/anonymous"
	submissionFaultAction  = nsWSASubmission + "/fault"
	wsaHeaderRequiredFault = "MessageAddressingHeaderRequired"
	wsaHeaderRequiredText  = "A required header representing a Message Addressing Property is not present"
)

// addressing is what a request said in WS-Addressing headers.
type addressing struct {
	ns        string // nsWSA or nsWSASubmission
	action    string
	messageID string
	to        string
	replyTo   string // the Address of ReplyTo; "" when absent
	hasReply  bool
	faultTo   bool
}

// readAddressing returns the request's addressing headers, nil when it
// has none. The 2005/08 namespace is looked for first, then the 2004/08
// submission one, as AddressingInHandler does.
func readAddressing(headers []*etree.Element) *addressing {
	for _, ns := range []string{nsWSA, nsWSASubmission} {
		var a *addressing
		for _, h := range headers {
			if h.NamespaceURI() != ns {
				continue
			}
			if a == nil {
				a = &addressing{ns: ns}
			}
			text := strings.TrimSpace(h.Text())
			switch h.Tag {
			case "Action":
				a.action = text
			case "MessageID":
				a.messageID = text
			case "To":
				a.to = text
			case "ReplyTo":
				a.hasReply = true
				if addr := h.SelectElement("Address"); addr != nil {
					a.replyTo = strings.TrimSpace(addr.Text())
				}
			case "FaultTo":
				a.faultTo = true
			}
		}
		if a != nil {
			return a
		}
	}
	return nil
}

// missingHeader names the mandatory header the request lacks for op, or
// "" (AddressingInHandler.checkForMandatoryHeaders and
// AddressingValidationHandler.checkMessageIDHeader): Action always; with
// 2005/08, MessageID when an answer is expected; with the 2004/08
// submission, To, and MessageID when a ReplyTo or FaultTo asks for an
// answer.
func (a *addressing) missingHeader(op *wsdl.Operation) string {
	switch {
	case a.action == "":
		return "Action"
	case a.ns == nsWSA && a.messageID == "" && op != nil && !op.OneWay:
		return "MessageID"
	case a.ns == nsWSASubmission && a.to == "":
		return "To"
	case a.ns == nsWSASubmission && a.messageID == "" && (a.hasReply || a.faultTo):
		return "MessageID"
	}
	return ""
}

// replyAddress is where the answer goes: the request's ReplyTo, else the
// default of its namespace (AddressingInHandler.setDefaults: anonymous for
// 2005/08, none for the 2004/08 submission).
func (a *addressing) replyAddress() string {
	if a.hasReply && a.replyTo != "" {
		return a.replyTo
	}
	if a.ns == nsWSASubmission {
		return wsaNone
	}
	return wsaAnonymous
}

// noAnswer reports whether the answer goes nowhere: a 2004/08 request
// without a ReplyTo, or a ReplyTo of none. Axis2 then writes no envelope
// (CommonsHTTPTransportSender.invoke sends nothing to a none address) and
// the servlet answers 202.
func (a *addressing) noAnswer() bool {
	return a.replyAddress() == wsaNone
}

// header writes the Header of an answer with the given action.
func (a *addressing) header(buf []byte, action string) []byte {
	buf = append(buf, `<soapenv:Header xmlns:wsa="`...)
	buf = append(buf, a.ns...)
	buf = append(buf, `">`...)
	to := a.replyAddress()
	anonymous := to == wsaAnonymous || to == submissionAnonymous
	if a.ns == nsWSASubmission || !anonymous {
		// The 2005/08 To is left out when anonymous; MessageID and a
		// ReplyTo of none are added only for the submission or a
		// To that is not anonymous.
		buf = appendWSA(buf, "To", to)
		if a.ns == nsWSA {
			buf = append(buf, `<wsa:ReplyTo><wsa:Address>`+wsaNone+`</wsa:Address></wsa:ReplyTo>`...)
		}
		buf = appendWSA(buf, "MessageID", "urn:uuid:"+admin.NewUUID())
	}
	buf = appendWSA(buf, "Action", action)
	if a.messageID != "" {
		buf = appendWSA(buf, "RelatesTo", a.messageID)
	}
	return append(buf, `</soapenv:Header>`...)
}

// faultAction is the action of a fault answer.
func (a *addressing) faultAction() string {
	if a.ns == nsWSASubmission {
		return submissionFaultAction
	}
	return wsaSOAPFaultAction
}

func appendWSA(buf []byte, name, text string) []byte {
	buf = append(buf, "<wsa:"+name+">"...)
	buf = appendText(buf, text)
	return append(buf, "</wsa:"+name+">"...)
}
