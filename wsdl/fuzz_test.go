package wsdl_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/wsdl"
)

// fuzzServices are the services whose request wrappers the fuzz target
// decodes.
var fuzzServices = []string{"OAuthAdminService", "IdentityApplicationManagementService", "AuthenticationAdmin"}

// fuzzOp is an operation with a request wrapper in one profile.
type fuzzOp struct {
	profile string
	op      *wsdl.Operation
}

// fuzzOps lists every operation with a request wrapper of every profile, in a
// fixed order: profile, service, operation name.
func fuzzOps(tb testing.TB) []fuzzOp {
	tb.Helper()
	var ops []fuzzOp
	for _, name := range wsdl.Names() {
		p, err := wsdl.Load(name)
		if err != nil {
			tb.Fatal(err)
		}
		for _, sn := range fuzzServices {
			s := p.Service(sn)
			if s == nil {
				continue
			}
			var names []string
			for _, op := range s.Operations {
				if op.Input != nil && op.Binding != nil && op.Binding.NewRequest != nil {
					names = append(names, op.Name)
				}
			}
			sort.Strings(names)
			for _, n := range names {
				ops = append(ops, fuzzOp{profile: name, op: s.Operation(n)})
			}
		}
	}
	if len(ops) == 0 {
		tb.Fatal("no operations to fuzz")
	}
	return ops
}

// pickOp chooses the operation for an input the way the server dispatches
// by body element: sel picks the profile, the document element's local name
// picks the operation, and sel picks one when no wrapper has that name.
func pickOp(ops []fuzzOp, sel uint8, data []byte) fuzzOp {
	profiles := wsdl.Names()
	profile := profiles[int(sel)%len(profiles)]
	if root := rootName(data); root != "" {
		for _, o := range ops {
			if o.profile == profile && o.op.Input.Name.Local == root {
				return o
			}
		}
	}
	return ops[int(sel)%len(ops)]
}

// rootName is the local name of the first start element, or "".
func rootName(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}

// fuzzDepth is the nesting cap of an input: the default most of the time,
// a small one sometimes so that the fuzzer reaches it.
func fuzzDepth(sel uint8) int {
	if sel&0x80 == 0 {
		return wsdl.DefaultMaxDepth
	}
	return 2 + int(sel>>3&0x0f)
}

// stdScan reads the first element of data with encoding/xml alone and
// reports how deep it nests and whether a DOCTYPE (or any other directive)
// or a processing instruction other than a leading XML declaration occurs
// before it ends.
type stdScan struct {
	maxDepth  int
	directive bool
	procInst  bool
	err       error
}

func scanFirstElement(data []byte) stdScan {
	var s stdScan
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth, n := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			s.err = err
			return s
		}
		n++
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			s.maxDepth = max(s.maxDepth, depth)
		case xml.EndElement:
			depth--
			if depth == 0 {
				return s
			}
		case xml.Directive:
			s.directive = true
		case xml.ProcInst:
			if t.Target != "xml" || n != 1 {
				s.procInst = true
			}
		}
	}
}

// decodeWrapper reads a request wrapper as the SOAP engine does, with the
// given nesting cap. root reports whether a document element was found.
func decodeWrapper(op *wsdl.Operation, data []byte, maxDepth int) (v wsdl.Struct, d *wsdl.Decoder, root bool, err error) {
	d = wsdl.NewDecoder(bytes.NewReader(data), maxDepth)
	if _, ok, err := d.NextElement(); err != nil || !ok {
		return nil, d, false, err
	}
	v = op.Binding.NewRequest()
	return v, d, true, d.DecodeStruct(op.Input, v)
}

func encodeRequest(op *wsdl.Operation, v wsdl.Struct) []byte {
	e := wsdl.NewEncoder(nil)
	e.Request(op, v)
	return e.Bytes()
}

// FuzzDecodeRequest feeds request wrappers of every operation of every
// profile to the struct decoder. Beyond not panicking:
//
//   - every error is an *InputError (the input comes from memory, so no I/O
//     error is possible); io.EOF only before any element;
//   - a decoded wrapper nests no deeper than the cap, holds no DOCTYPE and no
//     processing instruction, and is well-formed to encoding/xml;
//   - re-encoding the decoded value with the Encoder and decoding it again
//     gives an equal value, and encoding that gives the same bytes.
func FuzzDecodeRequest(f *testing.F) {
	ops := fuzzOps(f)
	profiles := wsdl.Names()
	selFor := func(o fuzzOp) uint8 {
		for i, p := range profiles {
			if p == o.profile {
				return uint8(i)
			}
		}
		return 0
	}
	// Every wrapper of every profile, with every field filled.
	for _, o := range ops {
		v := o.op.Binding.NewRequest()
		fillValue(reflect.ValueOf(v), 0)
		f.Add(selFor(o), encodeRequest(o.op, v))
	}
	// The wrappers the end-to-end tests send, and what Axis2 stubs, SoapUI
	// and scripts send.
	for _, doc := range seedWrappers {
		for i := range profiles {
			f.Add(uint8(i), []byte(doc))
		}
	}
	// The body elements of the captured reference requests, when present.
	for _, doc := range referenceWrappers(f) {
		for i := range profiles {
			f.Add(uint8(i), doc)
		}
	}
	// Hostile shapes.
	f.Add(uint8(0x80), []byte(strings.Repeat("<a>", 40)+strings.Repeat("</a>", 40)))
	f.Add(uint8(1), []byte(`<!DOCTYPE r [<!ENTITY x "y">]><registerOAuthApplicationData><application><applicationName>&x;</applicationName></application></registerOAuthApplicationData>`))
	f.Add(uint8(1), []byte(`<registerOAuthApplicationData><?pi x?></registerOAuthApplicationData>`))
	f.Add(uint8(1), []byte("<registerOAuthApplicationData><application><applicationName>\xff</applicationName></application></registerOAuthApplicationData>"))
	f.Add(uint8(1), []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><getOAuthApplicationData/>`))
	f.Add(uint8(1), []byte(``))

	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		o := pickOp(ops, sel, data)
		op := o.op
		maxDepth := fuzzDepth(sel)
		v, d, root, err := decodeWrapper(op, data, maxDepth)
		if !root {
			if err != nil && err != io.EOF {
				var ie *wsdl.InputError
				if !errors.As(err, &ie) {
					t.Fatalf("%s %s: error before the document element is %T %v, want an InputError", o.profile, op.Name, err, err)
				}
			}
			return
		}
		if err != nil {
			var ie *wsdl.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("%s %s: error is %T %v, want an InputError", o.profile, op.Name, err, err)
			}
			return
		}
		if d.Depth() != 0 {
			t.Fatalf("%s %s: decoder at depth %d after the wrapper", o.profile, op.Name, d.Depth())
		}
		s := scanFirstElement(data)
		switch {
		case s.err != nil:
			t.Fatalf("%s %s: decoded what encoding/xml refuses: %v", o.profile, op.Name, s.err)
		case s.maxDepth > maxDepth:
			t.Fatalf("%s %s: decoded nesting %d over the cap %d", o.profile, op.Name, s.maxDepth, maxDepth)
		case s.directive:
			t.Fatalf("%s %s: decoded a document with a DOCTYPE", o.profile, op.Name)
		case s.procInst:
			t.Fatalf("%s %s: decoded a document with a processing instruction", o.profile, op.Name)
		}

		// A primitive the input left out is written as Java's default
		// (false, 0), as Axis2 writes a primitive field it never set: the
		// first round trip may fill such fields in and change nothing else;
		// every later one must change nothing.
		enc := encodeRequest(op, v)
		v1, _, _, err := decodeWrapper(op, enc, 0)
		if err != nil {
			t.Fatalf("%s %s: the encoder's output does not decode: %v\n%s", o.profile, op.Name, err, enc)
		}
		if !sameButDefaults(reflect.ValueOf(v), reflect.ValueOf(v1)) {
			t.Fatalf("%s %s: round trip changed the value:\nfirst  %s\nsecond %s\nencoded %s", o.profile, op.Name, dump(v), dump(v1), enc)
		}
		enc1 := encodeRequest(op, v1)
		if !bytes.Equal(enc, enc1) {
			t.Fatalf("%s %s: encoding is not stable: %s", o.profile, op.Name, firstDiff(enc, enc1))
		}
		v2, _, _, err := decodeWrapper(op, enc1, 0)
		if err != nil {
			t.Fatalf("%s %s: the encoder's output does not decode: %v\n%s", o.profile, op.Name, err, enc1)
		}
		if !reflect.DeepEqual(v1, v2) {
			t.Fatalf("%s %s: round trip changed the value:\nfirst  %s\nsecond %s\nencoded %s", o.profile, op.Name, dump(v1), dump(v2), enc1)
		}
	})
}

// TestRequestRoundTripAllOperations encodes a fully filled request of every
// operation of every profile and decodes it back.
func TestRequestRoundTripAllOperations(t *testing.T) {
	for _, o := range fuzzOps(t) {
		v := o.op.Binding.NewRequest()
		fillValue(reflect.ValueOf(v), 0)
		enc := encodeRequest(o.op, v)
		v2, _, _, err := decodeWrapper(o.op, enc, 0)
		if err != nil {
			t.Errorf("%s %s: %v\n%s", o.profile, o.op.Name, err, enc)
			continue
		}
		enc2 := encodeRequest(o.op, v2)
		if !bytes.Equal(enc, enc2) {
			t.Errorf("%s %s: decode(encode(v)) encodes differently: %s", o.profile, o.op.Name, firstDiff(enc, enc2))
		}
		// Only the profile's fields travel, so the decoded value equals the
		// filled one restricted to them, which decoding it again shows.
		v3, _, _, err := decodeWrapper(o.op, enc2, 0)
		if err != nil || !reflect.DeepEqual(v2, v3) {
			t.Errorf("%s %s: second round trip differs (%v):\n%s\n%s", o.profile, o.op.Name, err, dump(v2), dump(v3))
		}
	}
}

// firstDiff shows where two encodings part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return fmt.Sprintf("at byte %d:\n  %q\n  %q", i, a[from:min(len(a), i+120)], b[from:min(len(b), i+120)])
}

// sameButDefaults is reflect.DeepEqual, except that a nil pointer to a
// primitive equals a pointer to its zero value.
func sameButDefaults(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() && b.IsNil() {
				return true
			}
			other := a
			if !b.IsNil() {
				other = b
			}
			e := other.Elem()
			if other.Kind() == reflect.Interface {
				return false
			}
			switch e.Kind() {
			case reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
				return e.IsZero()
			}
			return false
		}
		return sameButDefaults(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameButDefaults(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameButDefaults(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// dump shows a value deeply, pointers followed.
func dump(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", reflect.Indirect(reflect.ValueOf(v)).Interface())
	}
	return string(data)
}

// fillValue sets every field of the struct v points to: strings with markup
// and characters that need escaping, arrays with two elements, nested
// structs three levels deep.
func fillValue(v reflect.Value, depth int) {
	n := 0
	var fill func(v reflect.Value, depth int)
	fill = func(v reflect.Value, depth int) {
		n++
		switch v.Kind() {
		case reflect.Pointer:
			if v.Type().Elem().Kind() == reflect.Struct && depth >= 3 {
				return
			}
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			fill(v.Elem(), depth+1)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i), depth)
				}
			}
		case reflect.Slice:
			if et := v.Type().Elem(); et.Kind() == reflect.Pointer && et.Elem().Kind() == reflect.Struct && depth >= 3 {
				return // an array of nulls is written as one null
			}
			s := reflect.MakeSlice(v.Type(), 2, 2)
			for i := 0; i < 2; i++ {
				fill(s.Index(i), depth)
			}
			v.Set(s)
		case reflect.String:
			samples := []string{"plain", "a<b&c>\"d'", " spaced\ttext\n", "é ü 中 😀", "line\r\nbreak", "x]]>y"}
			v.SetString(fmt.Sprintf("%s-%d", samples[n%len(samples)], n))
		case reflect.Bool:
			v.SetBool(n%2 == 0)
		case reflect.Int32, reflect.Int64:
			v.SetInt(int64(n * 7919))
		}
	}
	fill(v, depth)
}

// seedWrappers are request wrappers as the end-to-end tests and real clients
// send them, with the namespace declarations their envelopes carry.
var seedWrappers = []string{
	`<xsd:registerOAuthApplicationData xmlns:xsd="http://org.apache.axis2/xsd" xmlns:dto="http://dto.oauth.identity.carbon.wso2.org/xsd"><xsd:application><dto:OAuthVersion>OAuth-2.0</dto:OAuthVersion><dto:applicationName>playground</dto:applicationName><dto:callbackUrl>https://localhost/callback</dto:callbackUrl><dto:grantTypes>authorization_code refresh_token</dto:grantTypes><dto:oauthConsumerKey>my-client-id</dto:oauthConsumerKey><dto:oauthConsumerSecret>my-client-secret</dto:oauthConsumerSecret></xsd:application></xsd:registerOAuthApplicationData>`,
	`<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><application>
		<unknown><deep>ignored</deep></unknown>
		<x:applicationName xmlns:x="urn:any">first</x:applicationName>
		<applicationName>second</applicationName>
		<callbackUrl xsi:nil="1"/>
		<grantTypes xsi:nil="true">ignored</grantTypes>
		<pkceMandatory> true </pkceMandatory>
		<audiences>a</audiences><audiences xsi:nil="true"/><audiences>b</audiences>
		<userAccessTokenExpiryTime>120</userAccessTokenExpiryTime>
		<issuerDetails><issuer>iss</issuer></issuerDetails>
		<backChannelLogoutUrl/>
		</application></r>`,
	`<xsd:getOAuthApplicationData xmlns:xsd="http://org.apache.axis2/xsd"><xsd:consumerKey>my-client-id</xsd:consumerKey></xsd:getOAuthApplicationData>`,
	`<xsd:getOAuthApplicationDataByAppName xmlns:xsd="http://org.apache.axis2/xsd"><xsd:appName>playground</xsd:appName></xsd:getOAuthApplicationDataByAppName>`,
	`<xsd:updateConsumerApplication xmlns:xsd="http://org.apache.axis2/xsd" xmlns:dto="http://dto.oauth.identity.carbon.wso2.org/xsd"><xsd:consumerAppDTO><dto:applicationName>renamed</dto:applicationName><dto:callbackUrl>https://x/cb</dto:callbackUrl><dto:grantTypes>password</dto:grantTypes><dto:oauthConsumerKey>k</dto:oauthConsumerKey><dto:oauthConsumerSecret>s</dto:oauthConsumerSecret></xsd:consumerAppDTO></xsd:updateConsumerApplication>`,
	`<xsd:updateConsumerAppState xmlns:xsd="http://org.apache.axis2/xsd"><xsd:consumerKey>k</xsd:consumerKey><xsd:newState>REVOKED</xsd:newState></xsd:updateConsumerAppState>`,
	`<xsd:removeOAuthApplicationData xmlns:xsd="http://org.apache.axis2/xsd"><xsd:consumerKey>k</xsd:consumerKey></xsd:removeOAuthApplicationData>`,
	`<xsd:addScope xmlns:xsd="http://org.apache.axis2/xsd"><xsd:scope>openid</xsd:scope><xsd:claims>email</xsd:claims><xsd:claims>name</xsd:claims></xsd:addScope>`,
	`<xsd:createApplication xmlns:xsd="http://org.apache.axis2/xsd"><xsd:serviceProvider xmlns:m="http://model.common.application.identity.carbon.wso2.org/xsd"><m:applicationName>sp</m:applicationName><m:description>d</m:description></xsd:serviceProvider></xsd:createApplication>`,
	`<xsd:updateApplication xmlns:xsd="http://org.apache.axis2/xsd"><xsd:serviceProvider xmlns:m="http://model.common.application.identity.carbon.wso2.org/xsd"><m:applicationID>3</m:applicationID><m:applicationName>sp</m:applicationName><m:inboundAuthenticationConfig><m:inboundAuthenticationRequestConfigs><m:inboundAuthKey>k</m:inboundAuthKey><m:inboundAuthType>oauth2</m:inboundAuthType><m:properties><m:name>oauthConsumerSecret</m:name><m:value>s</m:value></m:properties></m:inboundAuthenticationRequestConfigs></m:inboundAuthenticationConfig><m:localAndOutBoundAuthenticationConfig><m:authenticationType>default</m:authenticationType></m:localAndOutBoundAuthenticationConfig><m:permissionAndRoleConfig/></xsd:serviceProvider></xsd:updateApplication>`,
	`<xsd:getApplication xmlns:xsd="http://org.apache.axis2/xsd"><xsd:applicationName>sp</xsd:applicationName></xsd:getApplication>`,
	`<xsd:deleteApplication xmlns:xsd="http://org.apache.axis2/xsd"><xsd:applicationName>sp</xsd:applicationName></xsd:deleteApplication>`,
	`<xsd:getApplicationBasicInfo xmlns:xsd="http://org.apache.axis2/xsd"><xsd:filter>sp*</xsd:filter></xsd:getApplicationBasicInfo>`,
	`<aut:login xmlns:aut="http://authentication.services.core.carbon.wso2.org"><aut:username>admin</aut:username><aut:password>admin</aut:password><aut:remoteAddress>127.0.0.1</aut:remoteAddress></aut:login>`,
	`<aut:loginWithRememberMeOption xmlns:aut="http://authentication.services.core.carbon.wso2.org"><aut:username>admin</aut:username><aut:password>admin</aut:password><aut:remoteAddress>127.0.0.1</aut:remoteAddress></aut:loginWithRememberMeOption>`,
}

// referenceEnvelopes holds captured requests of real clients, outside the module;
// the fuzz targets read it as extra seeds when it is there.
const referenceEnvelopes = "../../shared/reference/envelopes"

// referenceWrappers returns the body elements of the captured request
// envelopes, as standalone documents.
func referenceWrappers(tb testing.TB) [][]byte {
	var out [][]byte
	for _, doc := range referenceRequests(tb) {
		d := etree.NewDocument()
		if err := d.ReadFromBytes(doc); err != nil {
			continue
		}
		body := d.FindElement("//Body")
		if body == nil || len(body.ChildElements()) == 0 {
			continue
		}
		w := etree.NewDocument()
		w.SetRoot(body.ChildElements()[0].Copy())
		b, err := w.WriteToBytes()
		if err == nil {
			out = append(out, b)
		}
	}
	return out
}

// referenceRequests reads the captured request envelopes; none when the
// reference folder is absent.
func referenceRequests(tb testing.TB) [][]byte {
	paths, _ := filepath.Glob(filepath.Join(referenceEnvelopes, "*", "*.xml"))
	var out [][]byte
	for _, p := range paths {
		base := filepath.Base(p)
		if !strings.Contains(base, ".req.") && !strings.Contains(base, ".request.") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
