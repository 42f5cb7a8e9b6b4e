// Package wsdl holds the wire profiles: the WSDL documents of each WSO2
// Identity Server generation this server can speak, embedded as data, and the
// Go wire types, handler interfaces and operation tables generated from them.
//
// A profile is data. Load parses the profile's documents with gowsdl's WSDL
// and XSD types and precomputes, for every type, the ordered fields it may
// put on the wire and, for every operation, its action, wrapper elements and
// whether it is one-way. Adding a profile adds a folder under profiles/; the
// generated Go types are the union of every profile's fields.
package wsdl

//go:generate go run ./internal/wsdlgen render
//go:generate go run ./internal/wsdlgen gocode

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/xml"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hooklift/gowsdl"
)

// DefaultAddress is the scheme, host and port of the endpoint addresses
// in a profile's documents.
const DefaultAddress = "https://localhost:9443"

// Namespaces every profile uses. Most admin services put their wrapper
// elements in WrapperNamespace; AuthenticationAdmin keeps its own.
const (
	WrapperNamespace = "http://org.apache.axis2/xsd"
	XSINamespace     = "http://www.w3.org/2001/XMLSchema-instance"
	xsdNamespace     = "http://www.w3.org/2001/XMLSchema"
)

//go:embed profiles
var profilesFS embed.FS

// ProfilesFS returns the embedded profile documents, one folder per profile.
func ProfilesFS() fs.FS {
	sub, err := fs.Sub(profilesFS, "profiles")
	if err != nil {
		panic(err)
	}
	return sub
}

// Struct is implemented by every generated wire type and wrapper element.
type Struct interface {
	// WireName is the qualified name of the XSD type or global element.
	WireName() xml.Name
	// WireFields names the fields, in the order EncodeField and DecodeField
	// index them (the union of all profiles, not the wire order).
	WireFields() []string
	EncodeField(e *Encoder, i int, f *Field)
	DecodeField(d *Decoder, i int, f *Field) error
}

// OperationBinding connects an operation to its generated request type and
// to the service interface method that implements it.
type OperationBinding struct {
	// NewRequest makes an empty request wrapper; nil when the input message
	// has no part.
	NewRequest func() Struct
	// Invoke calls the handler, which must implement the service interface.
	Invoke func(ctx context.Context, h any, req Struct) (Struct, error)
	// Stream, set for operations returning arrays of complex values, hands
	// the result to emit one element at a time when the handler implements
	// the operation's Streamer interface; ok is false when it does not.
	Stream func(ctx context.Context, h any, req Struct, emit func(Struct) error) (ok bool, err error)
}

// Profile is the contract of one Identity Server generation.
type Profile struct {
	Name     string
	services map[string]*Service
	messages map[string]string
	details  map[string]string
	settings map[string][]string
	// permissions maps "service operation" (operation "*" for the rest of
	// the service) to the permissions that allow it.
	permissions map[string][]string
}

// Service is one admin service of a profile.
type Service struct {
	Name            string
	TargetNamespace string
	// WrapperNamespace is the namespace of the operation wrapper elements,
	// written with the prefix "ns" as Axis2 does.
	WrapperNamespace string
	// Operations are in the order of the WSDL port type.
	Operations []*Operation
	// Document is the WSDL as served, with the address DefaultAddress
	// that a server replaces with its own. Carbon serves it without an
	// XML declaration or comment (Axis2 serialises the definitions
	// element alone).
	Document []byte

	// def and order are what Document20 renders from.
	def        *gowsdl.WSDL
	order      JavaHashMap
	doc20Once  sync.Once
	document20 []byte

	byName    map[string]*Operation
	byAction  map[string]*Operation
	byElement map[xml.Name]*Operation
	// wrapperDecls declares the wrapper, type and xsi namespaces on a
	// response wrapper element.
	wrapperDecls string
}

// Operation is one operation of a service in a profile.
type Operation struct {
	Name   string
	Action string
	// Input is the request wrapper element, nil when the message has no part.
	Input *Type
	// Output is the response wrapper element; nil for one-way operations and
	// for output messages without a part.
	Output *Type
	// OneWay operations are answered with HTTP 202 and no envelope.
	OneWay  bool
	Binding *OperationBinding
	Service *Service

	// outputDecls are the namespace declarations of the response wrapper
	// element; voidDecls those of a void answer's wrapper.
	outputDecls string
}

// Type is a complex type or a global element's anonymous type, with the
// fields it carries on the wire in wire order (base type fields first).
type Type struct {
	Name   xml.Name
	Fields []*Field
	byName map[string]*Field
	// new makes an empty Go value of the type.
	new func() Struct
}

// New returns an empty Go value of the type.
func (t *Type) New() Struct { return t.new() }

// Field is one element of a type's sequence.
type Field struct {
	Name     string
	Space    string
	XSDType  xml.Name
	Elem     *Type
	Nillable bool
	Repeated bool
	index    int
	qname    string // prefix:name
	xsiType  string // prefix:Type for complex fields
	// typeDecls and nilDecls are the namespace declarations written on the
	// field's element before its xsi:type or xsi:nil attribute: only the
	// return element of a response declares any.
	typeDecls, nilDecls string
	// isReturnArray marks the array return of a response, whose absence
	// (null, not empty) makes the answer void.
	isReturnArray bool
}

// Load parses the named embedded profile. A profile whose profile.txt
// names a parent states only how it differs from it: a WSDL document
// replaces the parent's of that service, and each line of settings.txt,
// messages*.txt, details.txt and permissions.txt replaces the parent's
// line of that key (all values of a setting at once); the rest is the
// parent's. A line "unset KEY" removes the parent's line of KEY ("unset
// SERVICE OPERATION" in permissions.txt).
//
// A Profile is read-only, so each name is parsed once per process and every
// caller gets the same *Profile (a server, the commands that list or detect
// profiles, and tests that start many servers).
func Load(name string) (*Profile, error) {
	v, _ := loaded.LoadOrStore(name, &loadedProfile{})
	lp := v.(*loadedProfile)
	lp.once.Do(func() { lp.profile, lp.err = load(name) })
	return lp.profile, lp.err
}

// loaded holds a *loadedProfile per name given to Load.
var loaded sync.Map

type loadedProfile struct {
	once    sync.Once
	profile *Profile
	err     error
}

func load(name string) (*Profile, error) {
	layers, err := lineage(name)
	if err != nil {
		return nil, err
	}
	name = path.Base(layers[len(layers)-1])
	p := &Profile{Name: name, services: map[string]*Service{}, messages: map[string]string{}, details: map[string]string{}, settings: map[string][]string{}, permissions: map[string][]string{}}
	documents := map[string][]byte{}
	var documentNames []string
	for _, dir := range layers {
		if err := p.overlay(dir, documents, &documentNames); err != nil {
			return nil, err
		}
	}
	order := Java8
	switch v := p.Setting("namespace-order"); {
	case len(v) == 0 || v[0] == "java8":
	case v[0] == "java7":
		order = Java7
	default:
		return nil, fmt.Errorf("wsdl: profile %s: settings.txt: namespace-order %q: want java7 or java8", name, v[0])
	}
	for _, file := range documentNames {
		s, err := loadService(documents[file], order)
		if err != nil {
			return nil, fmt.Errorf("wsdl: profile %s: %s: %w", name, file, err)
		}
		p.services[s.Name] = s
	}
	return p, nil
}

// overlay reads the files of one profile folder over what p holds from
// the folders before it; WSDL documents are kept by file name in
// documents, parsed once all layers are read.
func (p *Profile) overlay(dir string, documents map[string][]byte, names *[]string) error {
	entries, err := fs.ReadDir(profilesFS, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		data, err := fs.ReadFile(profilesFS, path.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		where := fmt.Sprintf("wsdl: profile %s: %s", path.Base(dir), e.Name())
		switch {
		case strings.HasSuffix(e.Name(), ".wsdl"):
			if _, ok := documents[e.Name()]; !ok {
				*names = append(*names, e.Name())
			}
			documents[e.Name()] = data
		case e.Name() == "settings.txt":
			layer := map[string][]string{}
			if err := parseLines(data, func(k, v string) {
				if k == "unset" {
					delete(p.settings, v)
					return
				}
				layer[k] = append(layer[k], v)
			}); err != nil {
				return fmt.Errorf("%s%w", where, err)
			}
			maps.Copy(p.settings, layer)
		case strings.HasPrefix(e.Name(), "messages") && strings.HasSuffix(e.Name(), ".txt"):
			// messages.txt, and messages-<service>.txt per service.
			if err := parseLines(data, overlayLine(p.messages)); err != nil {
				return fmt.Errorf("%s%w", where, err)
			}
		case e.Name() == "details.txt":
			if err := parseLines(data, overlayLine(p.details)); err != nil {
				return fmt.Errorf("%s%w", where, err)
			}
		case e.Name() == "permissions.txt":
			if err := parsePermissions(data, p.permissions); err != nil {
				return fmt.Errorf("%s%w", where, err)
			}
		}
	}
	return nil
}

// overlayLine sets a key's value, or removes the key on "unset KEY".
func overlayLine(into map[string]string) func(k, v string) {
	return func(k, v string) {
		if k == "unset" {
			delete(into, v)
			return
		}
		into[k] = v
	}
}

// parseLines reads "key value" lines; # starts a comment.
func parseLines(data []byte, add func(key, value string)) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, text, ok := strings.Cut(line, " ")
		if !ok {
			return fmt.Errorf(":%d: want \"key value\"", n)
		}
		add(code, strings.TrimSpace(text))
	}
	return sc.Err()
}

// Detail returns the fault detail template for a domain error code raised
// by a service: raw XML in which %s, if present, stands for the escaped
// fault text. Upstream sends a typed detail only where the exception thrown
// is exactly the declared one. details.txt keys are "Service/code"; a key
// "Service/prefix.*" covers every code that starts with "prefix." and has
// no key of its own, the longest such prefix first.
func (p *Profile) Detail(service, code string) (string, bool) {
	key := service + "/" + code
	if d, ok := p.details[key]; ok {
		return d, true
	}
	for i := len(key) - 1; i > len(service); i-- {
		if key[i] == '.' {
			if d, ok := p.details[key[:i+1]+"*"]; ok {
				return d, true
			}
		}
	}
	return "", false
}

// NoAuthentication is the permission entry of operations callers use
// without credentials (AuthenticationAdmin's login).
const NoAuthentication = "none"

// Permissions returns the permission paths of which the caller of an
// operation must hold one. authenticate is false for operations open to
// anyone. An operation the profile does not list takes its service's "*"
// entry; a service without entries needs authentication only.
func (p *Profile) Permissions(service, operation string) (anyOf []string, authenticate bool) {
	// A key built in a buffer of the stack: looking it up costs no
	// allocation, as a concatenated one would.
	var b [128]byte
	key := append(append(append(b[:0], service...), ' '), operation...)
	perms, ok := p.permissions[string(key)]
	if !ok {
		perms = p.permissions[string(append(key[:len(service)+1], '*'))]
	}
	if len(perms) == 1 && perms[0] == NoAuthentication {
		return nil, false
	}
	return perms, true
}

func parsePermissions(data []byte, into map[string][]string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf(":%d: want \"service operation permission[,permission...]\"", n)
		}
		if f[0] == "unset" {
			delete(into, f[1]+" "+f[2])
			continue
		}
		var perms []string
		for _, p := range strings.Split(f[2], ",") {
			if p = strings.TrimSpace(p); p != "" {
				perms = append(perms, p)
			}
		}
		into[f[0]+" "+f[1]] = perms
	}
	return sc.Err()
}

// Setting returns the values of a profile setting, one per line.
func (p *Profile) Setting(key string) []string { return p.settings[key] }

// Service returns the named service, or nil when the profile lacks it.
func (p *Profile) Service(name string) *Service { return p.services[name] }

// Message returns the profile's text for a domain error code.
func (p *Profile) Message(code string) (string, bool) {
	m, ok := p.messages[code]
	return m, ok
}

// Text returns the profile's text for a domain error code, or fallback
// when it has none, filled with args. A text may use fewer of the args
// than the code supplies (%[n] picks one), or none: releases word the same
// error differently.
func (p *Profile) Text(code, fallback string, args ...any) string {
	text := fallback
	if m, ok := p.messages[code]; ok {
		text = m
	}
	if len(args) == 0 || !strings.Contains(text, "%") {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// Operation returns the named operation, or nil.
func (s *Service) Operation(name string) *Operation { return s.byName[name] }

// OperationByAction returns the operation whose SOAP action is action, or nil.
func (s *Service) OperationByAction(action string) *Operation { return s.byAction[action] }

// OperationByElement returns the operation whose request wrapper is name, or nil.
func (s *Service) OperationByElement(name xml.Name) *Operation { return s.byElement[name] }

func loadService(data []byte, order JavaHashMap) (*Service, error) {
	var w gowsdl.WSDL
	if err := xml.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	if len(w.Service) != 1 || len(w.PortTypes) != 1 {
		return nil, fmt.Errorf("want one service and one port type")
	}
	doc := data
	if i := bytes.Index(doc, []byte("<wsdl:definitions")); i >= 0 {
		doc = doc[i:]
	}
	s := &Service{
		Name:            w.Service[0].Name,
		TargetNamespace: w.TargetNamespace,
		Document:        doc,
		byName:          map[string]*Operation{},
		byAction:        map[string]*Operation{},
		byElement:       map[xml.Name]*Operation{},
	}
	s.WrapperNamespace = wrapperNamespace(&w)
	b := &typeBuilder{types: map[xml.Name]*Type{}, wrapper: s.WrapperNamespace, prefixes: map[string]string{s.WrapperNamespace: "ns"}, wire: wirePrefixes(w.Xmlns)}
	if err := b.build(w.Types.Schemas); err != nil {
		return nil, err
	}
	var decls strings.Builder
	fmt.Fprintf(&decls, ` xmlns:ns="%s"`, s.WrapperNamespace)
	for _, ns := range b.order {
		fmt.Fprintf(&decls, ` xmlns:%s="%s"`, b.prefixes[ns], ns)
	}
	fmt.Fprintf(&decls, ` xmlns:xsi="%s"`, XSINamespace)
	s.wrapperDecls = decls.String()

	actions := map[string]string{}
	for _, bd := range w.Binding {
		for _, o := range bd.Operations {
			if o.SOAPOperation.SOAPAction != "" {
				actions[o.Name] = o.SOAPOperation.SOAPAction
			}
		}
	}
	msgs := map[string]*gowsdl.WSDLMessage{}
	for _, m := range w.Messages {
		msgs[m.Name] = m
	}
	element := func(ref string) (*Type, bool, error) {
		name := ref
		if _, local, ok := strings.Cut(ref, ":"); ok {
			name = local
		}
		m, ok := msgs[name]
		if !ok {
			return nil, false, fmt.Errorf("unknown message %q", ref)
		}
		if len(m.Parts) == 0 {
			return nil, true, nil
		}
		prefix, local, _ := strings.Cut(m.Parts[0].Element, ":")
		q := xml.Name{Space: w.Xmlns[prefix], Local: local}
		t, ok := b.elements[q]
		if !ok {
			return nil, false, fmt.Errorf("message %s: unknown element %v", m.Name, q)
		}
		return t, true, nil
	}
	bindings := generatedServices[s.Name]
	for _, o := range w.PortTypes[0].Operations {
		op := &Operation{Name: o.Name, Action: actions[o.Name], Service: s, Binding: bindings[o.Name]}
		if op.Binding == nil {
			return nil, fmt.Errorf("operation %s has no generated binding (run go generate ./wsdl)", o.Name)
		}
		if op.Action == "" {
			op.Action = "urn:" + o.Name
		}
		var err error
		if op.Input, _, err = element(o.Input.Message); err != nil {
			return nil, err
		}
		if o.Output.Message == "" {
			op.OneWay = true
		} else if op.Output, _, err = element(o.Output.Message); err != nil {
			return nil, err
		}
		b.answerDecls(op, order)
		s.Operations = append(s.Operations, op)
		s.byName[op.Name] = op
		s.byAction[op.Action] = op
		if op.Input != nil {
			s.byElement[op.Input.Name] = op
		}
	}
	s.def, s.order = &w, order
	return s, nil
}

// wrapperNamespace is the namespace of the elements the messages carry.
func wrapperNamespace(w *gowsdl.WSDL) string {
	for _, m := range w.Messages {
		if len(m.Parts) > 0 {
			prefix, _, _ := strings.Cut(m.Parts[0].Element, ":")
			if ns := w.Xmlns[prefix]; ns != "" {
				return ns
			}
		}
	}
	return WrapperNamespace
}

type typeBuilder struct {
	wrapper  string
	types    map[xml.Name]*Type
	elements map[xml.Name]*Type
	prefixes map[string]string
	order    []string
	// wire maps a namespace to the prefix the WSDL document binds it to.
	wire map[string]string
}

// wirePrefixes maps each namespace the WSDL definitions bind to its
// prefix there; of several, an ax2NNN one with the lowest number (the type
// table's, see gen.wirePrefixes), else the first in alphabetical order.
func wirePrefixes(xmlns map[string]string) map[string]string {
	rank := func(p string) (int, bool) {
		digits, ok := strings.CutPrefix(p, "ax")
		n, err := strconv.Atoi(digits)
		return n, ok && err == nil
	}
	out := map[string]string{}
	for p, uri := range xmlns {
		old, seen := out[uri]
		if !seen {
			out[uri] = p
			continue
		}
		np, pok := rank(p)
		no, ook := rank(old)
		if pok && (!ook || np < no) || pok == ook && !pok && p < old {
			out[uri] = p
		}
	}
	return out
}

// answerDecls works out where an answer of op declares its namespaces, as
// Axis2's RPCMessageReceiver builds it (RPCUtil.processResponseAsDocLitWrapped)
// and Axiom writes it:
//   - a void or null answer: the wrapper declares ns only, and its nil
//     return xsi: <ns:return xmlns:xsi="..." xsi:nil="true"/>;
//   - a bean: the return element declares every namespace of the service's
//     complex types and xsi (the ADB reader of the bean declares them),
//     nested beans nothing;
//   - an array: the wrapper declares them (the reader is the wrapper's),
//     each return element xsi;
//   - a simple value: nothing but the wrapper's ns.
//
// The order of each element's declarations is its Axiom HashMap's.
func (b *typeBuilder) answerDecls(op *Operation, order JavaHashMap) {
	uri := map[string]string{"ns": b.wrapper, "xsi": XSINamespace}
	var types []string
	seen := map[string]bool{}
	for name := range b.types {
		if name.Space == b.wrapper || seen[name.Space] {
			continue
		}
		seen[name.Space] = true
		p := b.prefix(name.Space)
		uri[p] = name.Space
		types = append(types, p)
	}
	// The ADB reader sorts its prefixes (makePrefixArray).
	sort.Strings(types)
	xsi := ` xmlns:xsi="` + XSINamespace + `"`
	op.outputDecls = ` xmlns:ns="` + b.wrapper + `"`
	if op.Output == nil {
		return
	}
	ret := op.Output.Field("return")
	if ret == nil {
		return
	}
	ret.nilDecls = xsi
	switch {
	case ret.Repeated:
		ret.isReturnArray = true
		op.outputDecls = order.startTagDecls("ns", append(types, "ns"), nil, uri)
		if ret.Elem != nil {
			ret.typeDecls = xsi
		}
	case ret.Elem != nil:
		ret.typeDecls = order.startTagDecls("ns", append(append(types, "ns"), "xsi"), map[string]bool{"ns": true}, uri)
	}
}

func qname(s *gowsdl.XSDSchema, q string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(q, ":")
	if !ok {
		return xml.Name{Space: s.TargetNamespace, Local: q}, nil
	}
	ns, found := s.Xmlns[prefix]
	if !found {
		return xml.Name{}, fmt.Errorf("undeclared prefix %q in %q", prefix, q)
	}
	return xml.Name{Space: ns, Local: local}, nil
}

func (b *typeBuilder) prefix(ns string) string {
	p, ok := b.prefixes[ns]
	if !ok {
		p = b.wire[ns]
		if p == "" || p == "ns" || p == "xsi" {
			p = "ax2" + strconv.Itoa(len(b.order)+1)
		}
		b.prefixes[ns] = p
		b.order = append(b.order, ns)
	}
	return p
}

func (b *typeBuilder) build(schemas []*gowsdl.XSDSchema) error {
	b.elements = map[xml.Name]*Type{}
	type pendingType struct {
		schema *gowsdl.XSDSchema
		ct     *gowsdl.XSDComplexType
		t      *Type
		elems  []*gowsdl.XSDElement
	}
	var pending []pendingType
	for _, s := range schemas {
		if s.TargetNamespace != b.wrapper {
			b.prefix(s.TargetNamespace)
		}
		for _, ct := range s.ComplexTypes {
			t := &Type{Name: xml.Name{Space: s.TargetNamespace, Local: ct.Name}, byName: map[string]*Field{}}
			b.types[t.Name] = t
			elems := ct.Sequence
			for i := range ct.ComplexContent.Extension.Sequence {
				elems = append(elems, &ct.ComplexContent.Extension.Sequence[i])
			}
			pending = append(pending, pendingType{s, ct, t, elems})
		}
		for _, el := range s.Elements {
			t := &Type{Name: xml.Name{Space: s.TargetNamespace, Local: el.Name}, byName: map[string]*Field{}}
			b.elements[t.Name] = t
			var elems []*gowsdl.XSDElement
			if el.ComplexType != nil {
				elems = el.ComplexType.Sequence
			}
			pending = append(pending, pendingType{s, nil, t, elems})
		}
	}
	// Own fields first, then prepend base fields once every type exists.
	for _, p := range pending {
		for _, e := range p.elems {
			f, err := b.field(p.schema, e)
			if err != nil {
				return fmt.Errorf("%s: %w", p.t.Name.Local, err)
			}
			p.t.Fields = append(p.t.Fields, f)
		}
	}
	done := map[*Type]bool{}
	var withBase func(p pendingType) error
	byType := map[*Type]pendingType{}
	for _, p := range pending {
		byType[p.t] = p
	}
	withBase = func(p pendingType) error {
		if done[p.t] {
			return nil
		}
		done[p.t] = true
		if p.ct == nil || p.ct.ComplexContent.Extension.Base == "" {
			return nil
		}
		bq, err := qname(p.schema, p.ct.ComplexContent.Extension.Base)
		if err != nil {
			return err
		}
		base, ok := b.types[bq]
		if !ok {
			return fmt.Errorf("%s extends unknown type %v", p.t.Name.Local, bq)
		}
		if err := withBase(byType[base]); err != nil {
			return err
		}
		// Copies: the derived type's Go value indexes its fields its own way.
		inherited := make([]*Field, 0, len(base.Fields)+len(p.t.Fields))
		for _, f := range base.Fields {
			c := *f
			inherited = append(inherited, &c)
		}
		p.t.Fields = append(inherited, p.t.Fields...)
		return nil
	}
	for _, p := range pending {
		if err := withBase(p); err != nil {
			return err
		}
	}
	// Resolve complex field types and bind every type to its Go value.
	var names []string
	for _, p := range pending {
		t := p.t
		newValue, ok := generatedTypes[t.Name]
		if !ok {
			return fmt.Errorf("%v has no generated Go type (run go generate ./wsdl)", t.Name)
		}
		t.new = newValue
		index := map[string]int{}
		for i, n := range newValue().WireFields() {
			index[n] = i
		}
		for _, f := range t.Fields {
			i, ok := index[f.Name]
			if !ok {
				return fmt.Errorf("%s.%s has no generated Go field (run go generate ./wsdl)", t.Name.Local, f.Name)
			}
			f.index = i
			if f.XSDType.Space != xsdNamespace {
				f.Elem = b.types[f.XSDType]
				if f.Elem == nil {
					return fmt.Errorf("%s.%s has unknown type %v", t.Name.Local, f.Name, f.XSDType)
				}
				f.xsiType = b.prefix(f.XSDType.Space) + ":" + f.XSDType.Local
			}
			t.byName[f.Name] = f
			names = append(names, f.Name)
		}
		names = append(names, t.Name.Local, t.Name.Space)
	}
	// Requests repeat these names: the decoder shares one string of each.
	intern(names...)
	return nil
}

func (b *typeBuilder) field(s *gowsdl.XSDSchema, e *gowsdl.XSDElement) (*Field, error) {
	t, err := qname(s, e.Type)
	if err != nil {
		return nil, err
	}
	f := &Field{
		Name:     e.Name,
		Space:    s.TargetNamespace,
		XSDType:  t,
		Nillable: e.Nillable,
		Repeated: e.MaxOccurs == "unbounded",
	}
	p := "ns"
	if s.TargetNamespace != b.wrapper {
		p = b.prefix(s.TargetNamespace)
	}
	f.qname = p + ":" + e.Name
	return f, nil
}

// Field returns the field with the given local name, or nil.
func (t *Type) Field(name string) *Field { return t.byName[name] }

// deref reads an optional request parameter: null and empty are the same to
// every operation.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Caller sends one operation to a remote server and returns its response
// wrapper (nil for void operations). The generated <Service>Client types
// use it.
type Caller interface {
	Call(ctx context.Context, service, operation string, req Struct) (Struct, error)
}
