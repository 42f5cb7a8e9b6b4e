package gen

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseError is the error ParseContract returns for malformed or
// inconsistent contract text.
type ParseError struct {
	Line int // 1-based line number
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseContract reads a contract in the text format described in the
// package documentation. The result is validated (see Contract.Validate);
// every error is a *ParseError that names the offending line.
func ParseContract(r io.Reader) (*Contract, error) {
	p := &parser{c: &Contract{}, lines: map[any]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		p.n++
		if err := p.line(strings.TrimSuffix(sc.Text(), "\r")); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", p.n+1, err)
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.c, nil
}

type parser struct {
	c     *Contract
	n     int         // current line number
	lines map[any]int // item position -> line, for validation errors

	header  bool // the leading comment block is over
	comment []string
	body    bool // a schema or operation has been seen

	schema *Schema
	elem   *Element
	typ    *ComplexType
	op     *Operation
}

func (p *parser) errorf(format string, args ...any) error {
	return &ParseError{Line: p.n, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) line(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	indent := len(s) - len(strings.TrimLeft(s, " "))
	if strings.HasPrefix(s[indent:], "#") {
		if !p.header && indent == 0 {
			text := strings.TrimPrefix(s[1:], " ")
			p.comment = append(p.comment, text)
		}
		return nil
	}
	p.header = true
	if strings.ContainsAny(s, "\t") {
		return p.errorf("tab character; indent with two spaces per level")
	}
	if indent%2 != 0 {
		return p.errorf("indentation of %d spaces; use two spaces per level", indent)
	}
	words := strings.Fields(s)
	switch indent / 2 {
	case 0:
		return p.top(words)
	case 1:
		if p.schema != nil {
			return p.schemaItem(words)
		}
		if p.op != nil {
			return p.operationItem(words)
		}
	case 2:
		if p.elem != nil || p.typ != nil {
			return p.field(words)
		}
	}
	return p.errorf("unexpected indentation")
}

func (p *parser) args(words []string, usage string, n int) error {
	if len(words) != n+1 {
		return p.errorf("expected %q", usage)
	}
	return nil
}

func (p *parser) top(words []string) error {
	p.schema, p.elem, p.typ, p.op = nil, nil, nil, nil
	c := p.c
	switch words[0] {
	case "service", "targetNamespace", "prefix":
		if p.body {
			return p.errorf("%s must come before the first schema or operation", words[0])
		}
	}
	switch words[0] {
	case "service":
		if err := p.args(words, "service NAME", 1); err != nil {
			return err
		}
		if c.Service != "" {
			return p.errorf("service declared twice")
		}
		c.Service = words[1]
		p.lines[headerPos("service")] = p.n
	case "targetNamespace":
		if err := p.args(words, "targetNamespace URI", 1); err != nil {
			return err
		}
		if c.TargetNamespace != "" {
			return p.errorf("targetNamespace declared twice")
		}
		c.TargetNamespace = words[1]
		p.lines[headerPos("targetNamespace")] = p.n
	case "prefix":
		if len(words) != 3 && len(words) != 4 {
			return p.errorf("expected %q", "prefix NAME URI [WIRE]")
		}
		if words[1] == XSDPrefix {
			return p.errorf("prefix xs is predeclared as %s", XSDNamespace)
		}
		p.lines[prefixPos(len(c.Prefixes))] = p.n
		pf := Prefix{Name: words[1], URI: words[2]}
		if len(words) == 4 {
			pf.Wire = words[3]
		}
		c.Prefixes = append(c.Prefixes, pf)
	case "schema":
		if err := p.args(words, "schema PREFIX", 1); err != nil {
			return err
		}
		ns, err := p.namespace(words[1])
		if err != nil {
			return err
		}
		p.body = true
		p.schema = &Schema{Namespace: ns}
		p.lines[p.schema] = p.n
		c.Schemas = append(c.Schemas, p.schema)
	case "operation":
		if err := p.args(words, "operation NAME", 1); err != nil {
			return err
		}
		p.body = true
		p.op = &Operation{Name: words[1]}
		p.lines[p.op] = p.n
		c.Operations = append(c.Operations, p.op)
	default:
		return p.errorf("unknown directive %q (want service, targetNamespace, prefix, schema or operation)", words[0])
	}
	return nil
}

func (p *parser) schemaItem(words []string) error {
	p.elem, p.typ = nil, nil
	switch words[0] {
	case "element":
		if err := p.args(words, "element NAME", 1); err != nil {
			return err
		}
		p.elem = &Element{Name: words[1]}
		p.lines[p.elem] = p.n
		p.schema.Elements = append(p.schema.Elements, p.elem)
	case "type":
		t := &ComplexType{}
		rest := words[2:]
		if len(rest) > 0 && rest[0] == "abstract" {
			t.Abstract = true
			rest = rest[1:]
		}
		switch {
		case len(rest) == 0:
		case len(rest) == 2 && rest[0] == "extends":
			base, err := p.qname(rest[1])
			if err != nil {
				return err
			}
			t.Base = base
		default:
			return p.errorf("expected %q", "type NAME [abstract] [extends PREFIX:BASE]")
		}
		t.Name = words[1]
		p.typ = t
		p.lines[t] = p.n
		p.schema.Types = append(p.schema.Types, t)
	default:
		return p.errorf("unknown schema item %q (want element or type)", words[0])
	}
	return nil
}

func (p *parser) field(words []string) error {
	const usage = "NAME PREFIX:TYPE MIN..MAX [nillable]"
	if len(words) != 3 && len(words) != 4 {
		return p.errorf("expected field %q", usage)
	}
	f := Field{Name: words[0]}
	var err error
	if f.Type, err = p.qname(words[1]); err != nil {
		return err
	}
	lo, hi, ok := strings.Cut(words[2], "..")
	if !ok {
		return p.errorf("occurrence bounds %q: expected MIN..MAX", words[2])
	}
	if f.MinOccurs, err = p.count(lo); err != nil {
		return err
	}
	if hi == "*" {
		f.MaxOccurs = Unbounded
	} else if f.MaxOccurs, err = p.count(hi); err != nil {
		return err
	}
	if len(words) == 4 {
		if words[3] != "nillable" {
			return p.errorf("unexpected %q after occurrence bounds (only \"nillable\" may follow)", words[3])
		}
		f.Nillable = true
	}
	var owner any
	if p.elem != nil {
		owner = p.elem
		p.lines[fieldPos{owner, len(p.elem.Fields)}] = p.n
		p.elem.Fields = append(p.elem.Fields, f)
	} else {
		owner = p.typ
		p.lines[fieldPos{owner, len(p.typ.Fields)}] = p.n
		p.typ.Fields = append(p.typ.Fields, f)
	}
	return nil
}

func (p *parser) operationItem(words []string) error {
	op := p.op
	switch words[0] {
	case "input", "output":
		if err := p.args(words, words[0]+" PREFIX:ELEMENT|empty", 1); err != nil {
			return err
		}
		m := &MessageRef{Empty: true}
		if words[1] != "empty" {
			name, err := p.qname(words[1])
			if err != nil {
				return err
			}
			m = &MessageRef{Element: name}
		}
		slot := &op.Input
		if words[0] == "output" {
			slot = &op.Output
		} else if op.Output != nil || len(op.Faults) > 0 {
			return p.errorf("input must come first")
		}
		if *slot != nil {
			return p.errorf("%s declared twice", words[0])
		}
		if words[0] == "output" && len(op.Faults) > 0 {
			return p.errorf("output must come before faults")
		}
		*slot = m
		p.lines[partPos{op, words[0], 0}] = p.n
	case "fault":
		if err := p.args(words, "fault NAME", 1); err != nil {
			return err
		}
		p.lines[partPos{op, "fault", len(op.Faults)}] = p.n
		op.Faults = append(op.Faults, words[1])
	default:
		return p.errorf("unknown operation item %q (want input, output or fault)", words[0])
	}
	return nil
}

// namespace resolves a declared prefix.
func (p *parser) namespace(prefix string) (string, error) {
	ns, ok := p.c.NamespaceOf(prefix)
	if !ok {
		return "", p.errorf("undeclared prefix %q", prefix)
	}
	return ns, nil
}

// qname resolves PREFIX:LOCAL.
func (p *parser) qname(s string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(s, ":")
	if !ok || local == "" {
		return xml.Name{}, p.errorf("%q is not a PREFIX:NAME qualified name", s)
	}
	ns, err := p.namespace(prefix)
	if err != nil {
		return xml.Name{}, err
	}
	return xml.Name{Space: ns, Local: local}, nil
}

// count parses a non-negative decimal number.
func (p *parser) count(s string) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, p.errorf("occurrence bound %q is not a number", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, p.errorf("occurrence bound %q: %v", s, err)
	}
	return n, nil
}

func (p *parser) finish() error {
	if len(p.comment) > 0 {
		p.c.Comment = strings.Join(p.comment, "\n")
	}
	for _, op := range p.c.Operations {
		if op.Input == nil {
			return &ParseError{Line: p.lines[op], Msg: fmt.Sprintf("operation %s has no input line", op.Name)}
		}
	}
	last := max(p.n, 1)
	switch {
	case p.c.Service == "":
		return &ParseError{Line: last, Msg: "missing service line"}
	case p.c.TargetNamespace == "":
		return &ParseError{Line: last, Msg: "missing targetNamespace line"}
	}
	if prob := p.c.check(); prob != nil {
		line, ok := p.lines[prob.at]
		if !ok {
			line = last
		}
		return &ParseError{Line: line, Msg: prob.msg}
	}
	return nil
}

// FormatContract writes c in the text format described in the package
// documentation: the header comment, the service, targetNamespace and
// prefix lines, a blank line, the schemas, a blank line and the
// operations. ParseContract(FormatContract(c)) equals c for every valid
// contract, and FormatContract(ParseContract(text)) reproduces canonical
// text exactly.
//
// Every namespace used must have a prefix in c.Prefixes (Validate checks
// this); a name in an unbound namespace is written as {URI}local, which
// ParseContract rejects.
func FormatContract(c *Contract) []byte {
	var b bytes.Buffer
	if c.Comment != "" {
		for _, l := range strings.Split(c.Comment, "\n") {
			if l == "" {
				b.WriteString("#\n")
			} else {
				fmt.Fprintf(&b, "# %s\n", l)
			}
		}
	}
	fmt.Fprintf(&b, "service %s\n", c.Service)
	fmt.Fprintf(&b, "targetNamespace %s\n", c.TargetNamespace)
	for _, p := range c.Prefixes {
		if p.Wire != "" {
			fmt.Fprintf(&b, "prefix %s %s %s\n", p.Name, p.URI, p.Wire)
		} else {
			fmt.Fprintf(&b, "prefix %s %s\n", p.Name, p.URI)
		}
	}
	qname := func(n xml.Name) string {
		if p, ok := c.PrefixOf(n.Space); ok {
			return p + ":" + n.Local
		}
		return "{" + n.Space + "}" + n.Local
	}
	fields := func(fs []Field) {
		for _, f := range fs {
			upper := "*"
			if f.MaxOccurs != Unbounded {
				upper = strconv.Itoa(f.MaxOccurs)
			}
			fmt.Fprintf(&b, "    %s %s %d..%s", f.Name, qname(f.Type), f.MinOccurs, upper)
			if f.Nillable {
				b.WriteString(" nillable")
			}
			b.WriteByte('\n')
		}
	}
	if len(c.Schemas) > 0 {
		b.WriteByte('\n')
	}
	for _, s := range c.Schemas {
		prefix, ok := c.PrefixOf(s.Namespace)
		if !ok {
			prefix = "{" + s.Namespace + "}"
		}
		fmt.Fprintf(&b, "schema %s\n", prefix)
		for _, e := range s.Elements {
			fmt.Fprintf(&b, "  element %s\n", e.Name)
			fields(e.Fields)
		}
		for _, t := range s.Types {
			fmt.Fprintf(&b, "  type %s", t.Name)
			if t.Abstract {
				b.WriteString(" abstract")
			}
			if t.Base != (xml.Name{}) {
				fmt.Fprintf(&b, " extends %s", qname(t.Base))
			}
			b.WriteByte('\n')
			fields(t.Fields)
		}
	}
	if len(c.Operations) > 0 {
		b.WriteByte('\n')
	}
	message := func(kind string, m *MessageRef) {
		if m == nil {
			return
		}
		if m.Empty {
			fmt.Fprintf(&b, "  %s empty\n", kind)
		} else {
			fmt.Fprintf(&b, "  %s %s\n", kind, qname(m.Element))
		}
	}
	for _, op := range c.Operations {
		fmt.Fprintf(&b, "operation %s\n", op.Name)
		message("input", op.Input)
		message("output", op.Output)
		for _, f := range op.Faults {
			fmt.Fprintf(&b, "  fault %s\n", f)
		}
	}
	return b.Bytes()
}
