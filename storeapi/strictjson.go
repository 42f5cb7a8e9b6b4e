package storeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// checkJSON refuses what encoding/json would let pass silently, before a
// body is decoded into a value of type t: bytes that are no UTF-8 (which
// it would replace), an object with a key twice (it would keep the last),
// a key that names a field in other letter case (it would match it
// anyway), and control characters: NUL and other C0 and C1 controls in
// any string, and line breaks and tabs too in keys and names.
func checkJSON(data []byte, t reflect.Type) error {
	if !utf8.Valid(data) {
		return badRequest("The request body is not UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return checkValue(dec, t, "")
}

// checkValue reads one value from dec; t is the Go type it decodes into
// (nil when unknown), key the object key it stands under.
func checkValue(dec *json.Decoder, t reflect.Type, key string) error {
	tok, err := dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return notJSON(err)
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			return checkObject(dec, t)
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for dec.More() {
				if err := checkValue(dec, elem, key); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return notJSON(err)
			}
			return nil
		}
	case string:
		if c, ok := controlIn(tok, isNameKey(key)); ok {
			return badRequest("The value of %q holds the control character %U.", key, c)
		}
	}
	return nil
}

func checkObject(dec *json.Decoder, t reflect.Type) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		key, _ := tok.(string)
		if c, ok := controlIn(key, true); ok {
			return badRequest("A key holds the control character %U.", c)
		}
		if seen[key] {
			return badRequest("The key %q appears twice in one object.", key)
		}
		seen[key] = true
		var ft reflect.Type
		if fields != nil {
			f, exact := fields[key]
			if !exact {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return badRequest("The key %q is not known; keys are case-sensitive: did you mean %q?", key, name)
					}
				}
			}
			ft = f
		} else if t != nil && t.Kind() == reflect.Map {
			ft = t.Elem()
		}
		if err := checkValue(dec, ft, key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return notJSON(err)
	}
	return nil
}

func notJSON(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return badRequest("The request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonFields maps the JSON names of a struct's fields to their types; nil
// for anything but a struct.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// isNameKey reports whether a key holds a name, which may not break lines.
func isNameKey(key string) bool {
	return strings.HasSuffix(strings.ToLower(key), "name")
}

// controlIn finds a control character in s: NUL and the other C0 and C1
// controls, and when strict also tab and line breaks.
func controlIn(s string, strict bool) (rune, bool) {
	for _, c := range s {
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			if strict {
				return c, true
			}
		case c < 0x20 || c >= 0x7f && c < 0xa0:
			return c, true
		}
	}
	return 0, false
}
