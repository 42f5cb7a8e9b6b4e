// Package gocode generates the Go wire types, service handler interfaces and
// operation tables of package wsdl from the WSDL documents of every wire
// profile. Documents are parsed with github.com/hooklift/gowsdl's WSDL and
// XSD types; the generated types are the union of every profile's fields, so
// one implementation of an operation serves every profile while the active
// profile's document decides what goes on the wire.
package gocode

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hooklift/gowsdl"
)

const xsdNamespace = "http://www.w3.org/2001/XMLSchema"

// Document is one WSDL document of one profile.
type Document struct {
	Profile string
	Name    string
	Data    []byte
}

// kind is the Go shape of an XSD type.
type kind int

const (
	kindString kind = iota
	kindBool
	kindInt
	kindLong
	kindStruct
)

type field struct {
	name     string
	kind     kind
	typ      xml.Name // for kindStruct
	repeated bool
	nillable bool // in any profile
}

type structType struct {
	qname    xml.Name
	goName   string
	element  bool // a global element (operation wrapper or fault) rather than a named type
	fields   []*field
	byName   map[string]*field
	profiles []string
}

type operation struct {
	name     string
	goName   string
	input    xml.Name // zero when the input message has no part
	output   xml.Name // zero when there is no output element
	profiles []string
}

type service struct {
	name string
	ops  []*operation
	byOp map[string]*operation
}

type generator struct {
	types    map[xml.Name]*structType
	services map[string]*service
}

// Generate returns the gofmt'ed source of package wsdl's generated file.
func Generate(docs []Document) ([]byte, error) {
	g := &generator{types: map[xml.Name]*structType{}, services: map[string]*service{}}
	for _, d := range docs {
		if err := g.add(d); err != nil {
			return nil, fmt.Errorf("gocode: %s/%s: %w", d.Profile, d.Name, err)
		}
	}
	if err := g.resolve(); err != nil {
		return nil, err
	}
	src := g.render()
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("gocode: formatting generated code: %w\n%s", err, src)
	}
	return out, nil
}

func resolveQName(s *gowsdl.XSDSchema, q string) (xml.Name, error) {
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

func (g *generator) add(d Document) error {
	var w gowsdl.WSDL
	if err := xml.Unmarshal(d.Data, &w); err != nil {
		return err
	}
	// Named complex types first, so extension bases are known in any order.
	type pending struct {
		schema *gowsdl.XSDSchema
		ct     *gowsdl.XSDComplexType
		st     *structType
	}
	var bases []pending
	for _, s := range w.Types.Schemas {
		for _, ct := range s.ComplexTypes {
			q := xml.Name{Space: s.TargetNamespace, Local: ct.Name}
			st := g.structFor(q, false, d.Profile)
			elems := ct.Sequence
			if ct.ComplexContent.Extension.Base != "" {
				bases = append(bases, pending{s, ct, st})
				for i := range ct.ComplexContent.Extension.Sequence {
					elems = append(elems, &ct.ComplexContent.Extension.Sequence[i])
				}
			}
			if err := g.addFields(s, st, elems); err != nil {
				return fmt.Errorf("type %s: %w", ct.Name, err)
			}
		}
		for _, el := range s.Elements {
			q := xml.Name{Space: s.TargetNamespace, Local: el.Name}
			st := g.structFor(q, true, d.Profile)
			if el.ComplexType == nil {
				return fmt.Errorf("element %s has no anonymous complex type", el.Name)
			}
			if err := g.addFields(s, st, el.ComplexType.Sequence); err != nil {
				return fmt.Errorf("element %s: %w", el.Name, err)
			}
		}
	}
	// Base fields belong to derived types too (a derived value carries them).
	for _, p := range bases {
		bq, err := resolveQName(p.schema, p.ct.ComplexContent.Extension.Base)
		if err != nil {
			return err
		}
		base, ok := g.types[bq]
		if !ok {
			return fmt.Errorf("type %s extends unknown %v", p.ct.Name, bq)
		}
		for _, f := range base.fields {
			if err := p.st.merge(f); err != nil {
				return err
			}
		}
	}

	// Operations from the port type, elements from the messages.
	msgs := map[string]*gowsdl.WSDLMessage{}
	for _, m := range w.Messages {
		msgs[m.Name] = m
	}
	element := func(ref string) (xml.Name, error) {
		_, name, _ := strings.Cut(ref, ":")
		if name == "" {
			name = ref
		}
		m, ok := msgs[name]
		if !ok {
			return xml.Name{}, fmt.Errorf("unknown message %q", ref)
		}
		if len(m.Parts) == 0 {
			return xml.Name{}, nil
		}
		prefix, local, _ := strings.Cut(m.Parts[0].Element, ":")
		ns := w.Xmlns[prefix]
		if ns == "" {
			return xml.Name{}, fmt.Errorf("message %s: undeclared prefix %q", m.Name, prefix)
		}
		return xml.Name{Space: ns, Local: local}, nil
	}
	if len(w.Service) != 1 || len(w.PortTypes) != 1 {
		return fmt.Errorf("want one service and one port type")
	}
	svc := g.services[w.Service[0].Name]
	if svc == nil {
		svc = &service{name: w.Service[0].Name, byOp: map[string]*operation{}}
		g.services[svc.name] = svc
	}
	for _, o := range w.PortTypes[0].Operations {
		op := svc.byOp[o.Name]
		if op == nil {
			op = &operation{name: o.Name, goName: exported(o.Name)}
			svc.byOp[o.Name] = op
			svc.ops = append(svc.ops, op)
		}
		op.profiles = append(op.profiles, d.Profile)
		in, err := element(o.Input.Message)
		if err != nil {
			return err
		}
		if in.Local != "" {
			op.input = in
		}
		if o.Output.Message != "" {
			out, err := element(o.Output.Message)
			if err != nil {
				return err
			}
			if out.Local != "" {
				op.output = out
			}
		}
	}
	return nil
}

func (g *generator) structFor(q xml.Name, element bool, profile string) *structType {
	st := g.types[q]
	if st == nil {
		st = &structType{qname: q, element: element, byName: map[string]*field{}}
		g.types[q] = st
	}
	st.profiles = append(st.profiles, profile)
	return st
}

func (g *generator) addFields(s *gowsdl.XSDSchema, st *structType, elems []*gowsdl.XSDElement) error {
	for _, e := range elems {
		t, err := resolveQName(s, e.Type)
		if err != nil {
			return err
		}
		f := &field{name: e.Name, repeated: e.MaxOccurs == "unbounded", nillable: e.Nillable}
		switch {
		case t.Space != xsdNamespace:
			f.kind, f.typ = kindStruct, t
		case t.Local == "string":
			f.kind = kindString
		case t.Local == "boolean":
			f.kind = kindBool
		case t.Local == "int":
			f.kind = kindInt
		case t.Local == "long":
			f.kind = kindLong
		default:
			return fmt.Errorf("field %s: unsupported XSD type %s", e.Name, t.Local)
		}
		if err := st.merge(f); err != nil {
			return err
		}
	}
	return nil
}

func (st *structType) merge(f *field) error {
	old, ok := st.byName[f.name]
	if !ok {
		c := *f
		st.byName[f.name] = &c
		st.fields = append(st.fields, &c)
		return nil
	}
	if old.kind != f.kind || old.typ != f.typ || old.repeated != f.repeated {
		return fmt.Errorf("field %s of %s changes shape between profiles", f.name, st.qname.Local)
	}
	old.nillable = old.nillable || f.nillable
	return nil
}

// resolve assigns unique Go names.
func (g *generator) resolve() error {
	names := make([]xml.Name, 0, len(g.types))
	for q := range g.types {
		names = append(names, q)
	}
	sort.Slice(names, func(i, j int) bool {
		if names[i].Local != names[j].Local {
			return names[i].Local < names[j].Local
		}
		return names[i].Space < names[j].Space
	})
	used := map[string]bool{}
	for _, q := range names {
		st := g.types[q]
		base := exported(q.Local)
		if st.element && !strings.HasSuffix(base, "Response") && !strings.HasSuffix(base, "Exception") {
			base += "Request"
		}
		name := base
		if used[name] {
			name = exported(namespaceLabel(q.Space)) + base
		}
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s%d", base, i)
		}
		used[name] = true
		st.goName = name
	}
	for _, st := range g.types {
		for _, f := range st.fields {
			if f.kind == kindStruct {
				if _, ok := g.types[f.typ]; !ok {
					return fmt.Errorf("gocode: %s.%s has unknown type %v", st.qname.Local, f.name, f.typ)
				}
			}
		}
	}
	return nil
}

func namespaceLabel(ns string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(ns, "http://"), "https://")
	label, _, _ := strings.Cut(s, ".")
	return label
}

func exported(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var goKeywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true,
	"defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true,
	"goto": true, "if": true, "import": true, "interface": true, "map": true, "package": true,
	"range": true, "return": true, "select": true, "struct": true, "switch": true, "type": true, "var": true,
	"ctx": true, "err": true,
}

func paramName(s string) string {
	if goKeywords[s] {
		return s + "Value"
	}
	return s
}

// goType is the Go type of a field inside a wire struct. Nillable
// primitives are pointers so that nil and zero can be told apart.
func (g *generator) goType(f *field) string {
	var t string
	switch f.kind {
	case kindString:
		t = "string"
	case kindBool:
		t = "bool"
	case kindInt:
		t = "int32"
	case kindLong:
		t = "int64"
	case kindStruct:
		t = "*" + g.types[f.typ].goName
	}
	switch {
	case f.repeated:
		return "[]" + t
	case f.kind == kindString || (f.nillable && f.kind != kindStruct):
		return "*" + t
	}
	return t
}

// paramType is the Go type of a top-level operation parameter: null and
// empty are the same to every operation, so primitives are plain values.
func (g *generator) paramType(f *field) string {
	if f.kind == kindStruct {
		return g.goType(f)
	}
	return strings.TrimPrefix(g.goType(f), "*")
}

func (g *generator) paramExpr(f *field, expr string) string {
	t := g.goType(f)
	if strings.HasPrefix(t, "*") && f.kind != kindStruct {
		return "deref(" + expr + ")"
	}
	return expr
}

func (g *generator) render() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by go generate ./wsdl from the profile WSDL documents; DO NOT EDIT.\n\n")
	p("package wsdl\n\nimport (\n\t\"context\"\n\t\"encoding/xml\"\n)\n\n")

	names := make([]xml.Name, 0, len(g.types))
	for q := range g.types {
		names = append(names, q)
	}
	sort.Slice(names, func(i, j int) bool { return g.types[names[i]].goName < g.types[names[j]].goName })
	for _, q := range names {
		g.renderStruct(&b, g.types[q])
	}

	p("// generatedTypes makes a new value of each wire type and element.\n")
	p("var generatedTypes = map[xml.Name]func() Struct{\n")
	for _, q := range names {
		p("\t{Space: %q, Local: %q}: func() Struct { return new(%s) },\n", q.Space, q.Local, g.types[q].goName)
	}
	p("}\n\n")

	svcs := make([]string, 0, len(g.services))
	for n := range g.services {
		svcs = append(svcs, n)
	}
	sort.Strings(svcs)
	for _, n := range svcs {
		g.renderService(&b, g.services[n])
	}
	p("// generatedServices holds the operation bindings of every service.\n")
	p("var generatedServices = map[string]map[string]*OperationBinding{\n")
	for _, n := range svcs {
		p("\t%q: %sBindings,\n", n, unexported(n))
	}
	p("}\n")
	return b.Bytes()
}

func unexported(s string) string { return strings.ToLower(s[:1]) + s[1:] }

func (g *generator) renderStruct(b *bytes.Buffer, st *structType) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	what := "type"
	if st.element {
		what = "element"
	}
	profiles := uniq(st.profiles)
	p("// %s is the wire %s {%s}%s (profiles %s).\n", st.goName, what, st.qname.Space, st.qname.Local, strings.Join(profiles, ", "))
	p("type %s struct {\n", st.goName)
	for _, f := range st.fields {
		p("\t%s %s `json:%q`\n", exported(f.name), g.goType(f), f.name+",omitempty")
	}
	p("}\n\n")
	fieldsVar := unexported(st.goName) + "Fields"
	p("var %s = []string{", fieldsVar)
	for i, f := range st.fields {
		if i > 0 {
			p(", ")
		}
		p("%q", f.name)
	}
	p("}\n\n")
	p("// WireName returns the qualified name of the wire %s.\n", what)
	p("func (*%s) WireName() xml.Name { return xml.Name{Space: %q, Local: %q} }\n\n", st.goName, st.qname.Space, st.qname.Local)
	p("// WireFields returns the names of the fields that EncodeField and DecodeField index.\n")
	p("func (*%s) WireFields() []string { return %s }\n\n", st.goName, fieldsVar)

	p("// EncodeField writes field i.\n")
	p("func (v *%s) EncodeField(e *Encoder, i int, f *Field) {\n", st.goName)
	if len(st.fields) > 0 {
		p("\tswitch i {\n")
		for i, f := range st.fields {
			p("\tcase %d:\n", i)
			g.renderEncode(b, f, "v."+exported(f.name))
		}
		p("\t}\n")
	}
	p("}\n\n")

	p("// DecodeField reads field i from the element the decoder stands on.\n")
	p("func (v *%s) DecodeField(d *Decoder, i int, f *Field) error {\n", st.goName)
	if len(st.fields) > 0 {
		p("\tswitch i {\n")
		for i, f := range st.fields {
			p("\tcase %d:\n", i)
			g.renderDecode(b, f, "v."+exported(f.name))
		}
		p("\t}\n")
	}
	p("\treturn d.Skip()\n}\n\n")
}

func primitive(k kind) string {
	return map[kind]string{kindString: "String", kindBool: "Bool", kindInt: "Int", kindLong: "Long"}[k]
}

func (g *generator) renderEncode(b *bytes.Buffer, f *field, x string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	t := g.goType(f)
	switch {
	case f.kind == kindStruct && f.repeated:
		p("\t\tif %s == nil {\n\t\t\te.NilArray(f)\n\t\t}\n", x)
		p("\t\tfor _, x := range %s {\n\t\t\tif x == nil {\n\t\t\t\te.Nil(f)\n\t\t\t} else {\n\t\t\t\te.Struct(f, x)\n\t\t\t}\n\t\t}\n", x)
	case f.kind == kindStruct:
		p("\t\tif %s == nil {\n\t\t\te.Nil(f)\n\t\t} else {\n\t\t\te.Struct(f, %s)\n\t\t}\n", x, x)
	case f.repeated:
		p("\t\te.%ss(f, %s)\n", primitive(f.kind), x)
	case strings.HasPrefix(t, "*"):
		p("\t\te.%sPtr(f, %s)\n", primitive(f.kind), x)
	default:
		p("\t\te.%s(f, %s)\n", primitive(f.kind), x)
	}
}

func (g *generator) renderDecode(b *bytes.Buffer, f *field, x string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	t := g.goType(f)
	switch {
	case f.kind == kindStruct:
		elem := g.types[f.typ].goName
		p("\t\tif d.IsNil() {\n\t\t\treturn d.Skip()\n\t\t}\n")
		p("\t\tx := new(%s)\n\t\tif err := d.Struct(f, x); err != nil {\n\t\t\treturn err\n\t\t}\n", elem)
		if f.repeated {
			p("\t\t%s = append(%s, x)\n", x, x)
		} else {
			p("\t\t%s = x\n", x)
		}
		p("\t\treturn nil\n")
	case f.repeated:
		p("\t\tx, err := d.%sPtr()\n\t\tif x != nil {\n\t\t\t%s = append(%s, *x)\n\t\t}\n\t\treturn err\n", primitive(f.kind), x, x)
	case strings.HasPrefix(t, "*"):
		p("\t\tvar err error\n\t\t%s, err = d.%sPtr()\n\t\treturn err\n", x, primitive(f.kind))
	default:
		p("\t\tvar err error\n\t\t%s, err = d.%s()\n\t\treturn err\n", x, primitive(f.kind))
	}
}

func uniq(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func (g *generator) renderService(b *bytes.Buffer, svc *service) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("// %s is implemented once for every profile's %s operations.\n", svc.name, svc.name)
	p("type %s interface {\n", svc.name)
	for _, op := range svc.ops {
		p("\t// %s answers %s (profiles %s).\n", op.goName, op.name, strings.Join(uniq(op.profiles), ", "))
		p("\t%s(ctx context.Context", op.goName)
		if op.input.Local != "" {
			for _, f := range g.types[op.input].fields {
				p(", %s %s", paramName(f.name), g.paramType(f))
			}
		}
		p(") ")
		if ret := g.returnField(op); ret != nil {
			p("(%s, error)\n", g.goType(ret))
		} else {
			p("error\n")
		}
	}
	p("}\n\n")

	p("var %sBindings = map[string]*OperationBinding{\n", unexported(svc.name))
	for _, op := range svc.ops {
		p("\t%q: {\n", op.name)
		if op.input.Local != "" {
			p("\t\tNewRequest: func() Struct { return new(%s) },\n", g.types[op.input].goName)
		}
		p("\t\tInvoke: func(ctx context.Context, h any, req Struct) (Struct, error) {\n")
		var args []string
		if op.input.Local != "" {
			in := g.types[op.input]
			p("\t\t\tr, _ := req.(*%s)\n\t\t\tif r == nil {\n\t\t\t\tr = new(%s)\n\t\t\t}\n", in.goName, in.goName)
			for _, f := range in.fields {
				args = append(args, g.paramExpr(f, "r."+exported(f.name)))
			}
		}
		call := fmt.Sprintf("h.(%s).%s(%s)", svc.name, op.goName, strings.Join(append([]string{"ctx"}, args...), ", "))
		if ret := g.returnField(op); ret != nil {
			p("\t\t\tret, err := %s\n\t\t\tif err != nil {\n\t\t\t\treturn nil, err\n\t\t\t}\n", call)
			p("\t\t\treturn &%s{Return: ret}, nil\n", g.types[op.output].goName)
		} else {
			p("\t\t\treturn nil, %s\n", call)
		}
		p("\t\t},\n")
		if g.streams(op) {
			p("\t\tStream: func(ctx context.Context, h any, req Struct, emit func(Struct) error) (bool, error) {\n")
			p("\t\t\ts, ok := h.(%sStreamer)\n\t\t\tif !ok {\n\t\t\t\treturn false, nil\n\t\t\t}\n", op.goName)
			if op.input.Local != "" {
				in := g.types[op.input]
				p("\t\t\tr, _ := req.(*%s)\n\t\t\tif r == nil {\n\t\t\t\tr = new(%s)\n\t\t\t}\n", in.goName, in.goName)
			}
			p("\t\t\treturn true, s.Stream%s(ctx%s, func(x *%s) error { return emit(x) })\n", op.goName, streamArgs(g, op), g.types[g.returnField(op).typ].goName)
			p("\t\t},\n")
		}
		p("\t},\n")
	}
	p("}\n\n")
	for _, op := range svc.ops {
		if !g.streams(op) {
			continue
		}
		elem := g.types[g.returnField(op).typ].goName
		p("// %sStreamer is implemented by %s implementations that can answer\n", op.goName, svc.name)
		p("// %s one element at a time, so the response streams.\n", op.name)
		p("type %sStreamer interface {\n\tStream%s(ctx context.Context", op.goName, op.goName)
		if op.input.Local != "" {
			for _, f := range g.types[op.input].fields {
				p(", %s %s", paramName(f.name), g.paramType(f))
			}
		}
		p(", yield func(*%s) error) error\n}\n\n", elem)
	}
	g.renderClient(b, svc)
}

// streams reports whether an operation returns an array of complex values,
// which a response may stream.
func (g *generator) streams(op *operation) bool {
	ret := g.returnField(op)
	return ret != nil && ret.repeated && ret.kind == kindStruct
}

// streamArgs are the parameters a Stream binding passes on.
func streamArgs(g *generator, op *operation) string {
	if op.input.Local == "" {
		return ""
	}
	in := g.types[op.input]
	args := []string{}
	for _, f := range in.fields {
		args = append(args, g.paramExpr(f, "r."+exported(f.name)))
	}
	if len(args) == 0 {
		return ""
	}
	return ", " + strings.Join(args, ", ")
}

// renderClient writes a client implementing the service interface by
// calling a remote server through a Caller.
func (g *generator) renderClient(b *bytes.Buffer, svc *service) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	name := svc.name + "Client"
	p("// %s implements %s by calling a remote server.\n", name, svc.name)
	p("type %s struct {\n\tCaller Caller\n}\n\n", name)
	p("var _ %s = (*%s)(nil)\n\n", svc.name, name)
	for _, op := range svc.ops {
		ret := g.returnField(op)
		p("// %s calls %s.\n", op.goName, op.name)
		p("func (c *%s) %s(ctx context.Context", name, op.goName)
		var fields []string
		if op.input.Local != "" {
			in := g.types[op.input]
			for _, f := range in.fields {
				p(", %s %s", paramName(f.name), g.paramType(f))
				t := g.goType(f)
				v := paramName(f.name)
				if strings.HasPrefix(t, "*") && f.kind != kindStruct {
					v = "&" + v
				}
				fields = append(fields, exported(f.name)+": "+v)
			}
		}
		p(") ")
		zero := ""
		if ret != nil {
			t := g.goType(ret)
			p("(%s, error) {\n", t)
			switch {
			case strings.HasPrefix(t, "*") || strings.HasPrefix(t, "[]"):
				zero = "nil"
			case t == "bool":
				zero = "false"
			default:
				zero = "0"
			}
		} else {
			p("error {\n")
		}
		req := "nil"
		if op.input.Local != "" {
			req = "&" + g.types[op.input].goName + "{" + strings.Join(fields, ", ") + "}"
		}
		if ret != nil {
			p("\tresp, err := c.Caller.Call(ctx, %q, %q, %s)\n", svc.name, op.name, req)
			p("\tif err != nil {\n\t\treturn %s, err\n\t}\n", zero)
			p("\tr, _ := resp.(*%s)\n\tif r == nil {\n\t\treturn %s, nil\n\t}\n\treturn r.Return, nil\n}\n\n", g.types[op.output].goName, zero)
		} else {
			p("\t_, err := c.Caller.Call(ctx, %q, %q, %s)\n\treturn err\n}\n\n", svc.name, op.name, req)
		}
	}
}

func (g *generator) returnField(op *operation) *field {
	if op.output.Local == "" {
		return nil
	}
	return g.types[op.output].byName["return"]
}

// ReadProfiles returns the WSDL documents of every profile under dir
// (dir/<profile>/*.wsdl), in a stable order.
func ReadProfiles(dir string) ([]Document, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.wsdl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var docs []Document
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		docs = append(docs, Document{Profile: filepath.Base(filepath.Dir(p)), Name: filepath.Base(p), Data: data})
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("gocode: no WSDL documents under %s", dir)
	}
	return docs, nil
}
