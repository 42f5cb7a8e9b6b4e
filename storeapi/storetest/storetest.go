// Package storetest checks the store's traffic against its OpenAPI
// document: which operations it documents and whether a response has a
// documented status and matches the documented schema. The document must
// be valid OpenAPI 3 and every response must validate against its schema
// by kin-openapi; beside that the package's own reading of the subset of
// OpenAPI 3 the store's document uses refuses what OpenAPI allows by
// default but the store never sends: undocumented properties.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Spec is a parsed OpenAPI document.
type Spec struct {
	doc map[string]any
	ops []*Operation
}

// Operation is a documented operation.
type Operation struct {
	Method string
	// Path is the full path template: the server URL and the path, e.g.
	// /api/am/devportal/v3/applications/{applicationId}.
	Path string
	op   map[string]any
	kin  *openapi3.Operation
}

// Load parses an OpenAPI 3 document in JSON.
func Load(doc []byte) (*Spec, error) {
	s := &Spec{}
	if err := json.Unmarshal(doc, &s.doc); err != nil {
		return nil, fmt.Errorf("storetest: the document is not JSON: %w", err)
	}
	if v, _ := s.doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("storetest: not an OpenAPI 3 document (openapi %q)", v)
	}
	kin, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("storetest: kin-openapi cannot load the document: %w", err)
	}
	if err := kin.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("storetest: the document is no valid OpenAPI 3: %w", err)
	}
	root := serverURL(s.doc["servers"])
	paths, _ := s.doc["paths"].(map[string]any)
	for path, item := range paths {
		pi, _ := item.(map[string]any)
		base := root
		if _, ok := pi["servers"]; ok {
			base = serverURL(pi["servers"])
		}
		for method, op := range pi {
			m := strings.ToUpper(method)
			switch m {
			case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions:
			default:
				continue
			}
			o, _ := op.(map[string]any)
			ko := kin.Paths.Value(path).GetOperation(m)
			if ko == nil {
				return nil, fmt.Errorf("storetest: kin-openapi has no %s %s", m, path)
			}
			s.ops = append(s.ops, &Operation{Method: m, Path: strings.TrimSuffix(base, "/") + path, op: o, kin: ko})
		}
	}
	sort.Slice(s.ops, func(i, j int) bool {
		if s.ops[i].Path != s.ops[j].Path {
			return s.ops[i].Path < s.ops[j].Path
		}
		return s.ops[i].Method < s.ops[j].Method
	})
	return s, nil
}

func serverURL(v any) string {
	list, _ := v.([]any)
	if len(list) == 0 {
		return ""
	}
	m, _ := list[0].(map[string]any)
	u, _ := m["url"].(string)
	return u
}

// Operations lists the documented operations.
func (s *Spec) Operations() []*Operation { return s.ops }

// Find returns the operation documenting a request to a concrete path.
func (s *Spec) Find(method, path string) *Operation {
	for _, o := range s.ops {
		if o.Method == method && matches(o.Path, path) {
			return o
		}
	}
	return nil
}

func matches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// Example returns the path template with every parameter replaced by a
// value.
func (o *Operation) Example() string {
	segs := strings.Split(o.Path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			segs[i] = "example-" + strings.Trim(seg, "{}")
		}
	}
	return strings.Join(segs, "/")
}

// Statuses lists the documented response statuses.
func (o *Operation) Statuses() []string {
	resp, _ := o.op["responses"].(map[string]any)
	var out []string
	for k := range resp {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Check reports how a response to method and path (without query) departs
// from the document: an undocumented operation or status, a body where none
// is documented or the other way round, or a body that does not match the
// documented schema.
func (s *Spec) Check(method, path string, status int, body []byte) error {
	o := s.Find(method, path)
	if o == nil {
		return fmt.Errorf("%s %s: operation not documented", method, path)
	}
	responses, _ := o.op["responses"].(map[string]any)
	resp, ok := responses[strconv.Itoa(status)]
	if !ok {
		if resp, ok = responses["default"]; !ok {
			return fmt.Errorf("%s %s: status %d not documented (documented: %v)", method, path, status, o.Statuses())
		}
	}
	r, err := s.resolve(resp)
	if err != nil {
		return err
	}
	content, _ := r["content"].(map[string]any)
	media, hasJSON := content["application/json"].(map[string]any)
	if len(strings.TrimSpace(string(body))) == 0 {
		if hasJSON {
			return fmt.Errorf("%s %s %d: empty body, documented application/json", method, path, status)
		}
		return nil
	}
	if !hasJSON {
		return fmt.Errorf("%s %s %d: body %q, none documented", method, path, status, body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s %d: body is not JSON: %v", method, path, status, err)
	}
	if err := s.validate(v, media["schema"], "$"); err != nil {
		return fmt.Errorf("%s %s %d: %w", method, path, status, err)
	}
	kr := o.kin.Responses.Status(status)
	if kr == nil {
		kr = o.kin.Responses.Default()
	}
	if kr == nil || kr.Value == nil || kr.Value.Content.Get("application/json") == nil {
		return fmt.Errorf("%s %s %d: kin-openapi finds no JSON response documented", method, path, status)
	}
	if err := kr.Value.Content.Get("application/json").Schema.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("%s %s %d: kin-openapi: %w", method, path, status, err)
	}
	return nil
}

// resolve follows a local $ref.
func (s *Spec) resolve(v any) (map[string]any, error) {
	m, _ := v.(map[string]any)
	for i := 0; m != nil && i < 16; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("unsupported $ref %q", ref)
		}
		var cur any = s.doc
		for _, part := range strings.Split(ref[2:], "/") {
			cm, _ := cur.(map[string]any)
			cur = cm[part]
		}
		if cur == nil {
			return nil, fmt.Errorf("dangling $ref %q", ref)
		}
		m, _ = cur.(map[string]any)
	}
	if m == nil {
		return nil, fmt.Errorf("missing schema")
	}
	return m, nil
}

// validate checks v against schema.
func (s *Spec) validate(v any, schemaV any, at string) error {
	schema, err := s.resolve(schemaV)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	if v == nil {
		if n, _ := schema["nullable"].(bool); n {
			return nil
		}
		return fmt.Errorf("%s: null, not documented as nullable", at)
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", at, v)
		}
		props, hasProps := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					return fmt.Errorf("%s: required property %q missing", at, r)
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				if err := s.validate(obj[k], ps, at+"."+k); err != nil {
					return err
				}
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case map[string]any:
				if err := s.validate(obj[k], ap, at+"."+k); err != nil {
					return err
				}
			case bool:
				if !ap {
					return fmt.Errorf("%s: undocumented property %q", at, k)
				}
			default:
				if hasProps {
					return fmt.Errorf("%s: undocumented property %q", at, k)
				}
			}
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %T", at, v)
		}
		if min, ok := schema["minItems"].(float64); ok && float64(len(list)) < min {
			return fmt.Errorf("%s: %d items, want at least %v", at, len(list), min)
		}
		for i, item := range list {
			if err := s.validate(item, schema["items"], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: want a string, got %T", at, v)
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return fmt.Errorf("%s: want an integer, got %v", at, v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("%s: want a number, got %T", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: want a boolean, got %T", at, v)
		}
	case "":
	default:
		return fmt.Errorf("%s: unsupported schema type %q", at, typ)
	}
	return nil
}
