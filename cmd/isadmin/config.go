package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// applyConfigFile sets, from a TOML file whose keys are the flags' names,
// the options neither a flag nor a variable gave. Values are strings,
// numbers or booleans; key-manager takes a list. A key that names no flag
// is an error, so that a misspelt setting does not pass unnoticed.
func applyConfigFile(path string, opts []option, given map[string]bool) error {
	var settings map[string]any
	md, err := toml.DecodeFile(path, &settings)
	if err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return fmt.Errorf("--config %s: %s is no setting (tables are not settings)", path, undecoded[0])
	}
	byName := map[string]option{}
	for _, o := range opts {
		byName[o.name] = o
	}
	for key, v := range settings {
		o, ok := byName[key]
		if !ok || key == "config" {
			return fmt.Errorf("--config %s: %q is no setting (the settings are the flags of isadmin serve -h, without --)", path, key)
		}
		if given[key] {
			continue
		}
		s, err := configValue(key, v)
		if err != nil {
			return fmt.Errorf("--config %s: %w", path, err)
		}
		*o.value = s
		given[key] = true
	}
	return nil
}

// configValue is a TOML value as the flag's text.
func configValue(key string, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case []any:
		if key != "key-manager" {
			break
		}
		parts := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("%s: want a list of strings", key)
			}
			parts[i] = s
		}
		return strings.Join(parts, ";"), nil
	}
	return "", fmt.Errorf("%s: want a string, a number or true|false, got %v", key, v)
}
