package wsdl

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// DefaultProfile is the profile a server speaks unless told otherwise: the
// latest Identity Server release.
const DefaultProfile = "is-7.3"

// Info is what a profile's profile.txt says of it.
type Info struct {
	Name string
	// Parent is the profile this one states its differences from; "" for
	// a root.
	Parent string
	// Release is the Identity Server release, e.g. "5.3.0"; "" for a
	// contract no release had.
	Release string
	// Aliases are further names that select the profile.
	Aliases []string
	// APIM lists the API Manager releases that used this Identity Server
	// release as key manager, e.g. "2.1.0".
	APIM []string
	// Summary says in one line how the profile differs from its parent.
	Summary string
	// Sources say where the profile's documents come from.
	Sources []string
}

// Profiles returns the embedded profiles in release order, unreleased
// contracts last.
func Profiles() ([]Info, error) {
	var infos []Info
	for _, name := range dirNames() {
		info, err := readInfo(name)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	slices.SortStableFunc(infos, func(a, b Info) int { return compareReleases(a, b) })
	return infos, nil
}

// Names returns the names of the embedded profiles in release order.
func Names() []string {
	infos, err := Profiles()
	if err != nil {
		return dirNames()
	}
	names := make([]string, len(infos))
	for i, info := range infos {
		names[i] = info.Name
	}
	return names
}

func dirNames() []string {
	entries, _ := fs.ReadDir(profilesFS, "profiles")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// Resolve returns the profile a name selects: a profile's name, one of its
// aliases, or "apim-<version>" for the Identity Server release that API
// Manager release used as key manager ("apim-2.6" or "apim-2.6.0").
func Resolve(name string) (string, error) {
	infos, err := Profiles()
	if err != nil {
		return "", err
	}
	for _, info := range infos {
		if info.Name == name || slices.Contains(info.Aliases, name) {
			return info.Name, nil
		}
	}
	if v, ok := strings.CutPrefix(name, "apim-"); ok {
		for _, info := range infos {
			for _, apim := range info.APIM {
				if apim == v || strings.TrimSuffix(apim, ".0") == v {
					return info.Name, nil
				}
			}
		}
		return "", fmt.Errorf("wsdl: no profile for API Manager %s (have %s)", v, strings.Join(apimVersions(infos), ", "))
	}
	return "", fmt.Errorf("wsdl: unknown profile %q (have %s)", name, strings.Join(Names(), ", "))
}

func apimVersions(infos []Info) []string {
	var out []string
	for _, info := range infos {
		out = append(out, info.APIM...)
	}
	return out
}

// lineage returns the folders of a profile's ancestors and its own, root
// first.
func lineage(name string) ([]string, error) {
	name, err := Resolve(name)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for seen := map[string]bool{}; name != ""; {
		if seen[name] {
			return nil, fmt.Errorf("wsdl: profile %s: its parents form a loop", name)
		}
		seen[name] = true
		info, err := readInfo(name)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, path.Join("profiles", name))
		name = info.Parent
	}
	slices.Reverse(dirs)
	return dirs, nil
}

func readInfo(name string) (Info, error) {
	info := Info{Name: name}
	data, err := fs.ReadFile(profilesFS, path.Join("profiles", name, "profile.txt"))
	if err != nil {
		return info, fmt.Errorf("wsdl: unknown profile %q: %w", name, err)
	}
	err = parseLines(data, func(k, v string) {
		switch k {
		case "parent":
			info.Parent = v
		case "release":
			info.Release = v
		case "alias":
			info.Aliases = append(info.Aliases, v)
		case "apim":
			info.APIM = append(info.APIM, strings.Fields(v)...)
		case "summary":
			info.Summary = v
		case "source":
			info.Sources = append(info.Sources, v)
		}
	})
	if err != nil {
		return info, fmt.Errorf("wsdl: profile %s: profile.txt%w", name, err)
	}
	if info.Parent != "" {
		if _, err := fs.Stat(profilesFS, path.Join("profiles", info.Parent, "profile.txt")); err != nil {
			return info, fmt.Errorf("wsdl: profile %s: unknown parent %q", name, info.Parent)
		}
	}
	return info, nil
}

// compareReleases orders by release number, unreleased contracts last,
// then by name.
func compareReleases(a, b Info) int {
	switch {
	case a.Release == "" && b.Release != "":
		return 1
	case a.Release != "" && b.Release == "":
		return -1
	}
	av, bv := versionParts(a.Release), versionParts(b.Release)
	if c := slices.Compare(av, bv); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func versionParts(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ".") {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

// Differences says in a few words how a profile differs from another (its
// parent): per service, operations added and removed, void operations that
// became one-way or two-way, and fields added to and removed from each
// type; then the settings that changed and how many fault texts, typed
// details and permissions did.
func Differences(from, to *Profile) []string {
	out := contractDifferences(from, to)
	var settings []string
	for _, k := range sortedKeys(from.settings, to.settings) {
		if !slices.Equal(from.settings[k], to.settings[k]) {
			settings = append(settings, k)
		}
	}
	if len(settings) > 0 {
		out = append(out, "settings: "+strings.Join(settings, " "))
	}
	for _, d := range []struct {
		what     string
		from, to map[string]string
	}{{"fault texts", from.messages, to.messages}, {"typed details", from.details, to.details}} {
		if n := changed(d.from, d.to, func(a, b string) bool { return a == b }); n > 0 {
			out = append(out, fmt.Sprintf("%s: %d", d.what, n))
		}
	}
	if n := changed(from.permissions, to.permissions, slices.Equal[[]string]); n > 0 {
		out = append(out, fmt.Sprintf("permissions: %d", n))
	}
	return out
}

// changed counts the keys whose values differ, or that only one map has.
func changed[V any](a, b map[string]V, equal func(V, V) bool) int {
	n := 0
	for _, k := range sortedKeys(a, b) {
		va, okA := a[k]
		vb, okB := b[k]
		if okA != okB || !equal(va, vb) {
			n++
		}
	}
	return n
}

func contractDifferences(from, to *Profile) []string {
	var out []string
	for _, name := range sortedKeys(to.services, from.services) {
		a, b := from.services[name], to.services[name]
		switch {
		case a == nil:
			out = append(out, name+": new service")
			continue
		case b == nil:
			out = append(out, name+": gone")
			continue
		}
		var parts []string
		for _, op := range b.Operations {
			if old := a.Operation(op.Name); old == nil {
				parts = append(parts, "+"+op.Name)
			} else if old.OneWay != op.OneWay {
				if op.OneWay {
					parts = append(parts, op.Name+" one-way")
				} else {
					parts = append(parts, op.Name+" answers")
				}
			}
		}
		for _, op := range a.Operations {
			if b.Operation(op.Name) == nil {
				parts = append(parts, "-"+op.Name)
			}
		}
		ta, tb := a.types(), b.types()
		for _, t := range sortedKeys(tb, ta) {
			fa, fb := ta[t], tb[t]
			var fields []string
			for _, f := range fb {
				if !slices.Contains(fa, f) {
					fields = append(fields, "+"+f)
				}
			}
			for _, f := range fa {
				if !slices.Contains(fb, f) {
					fields = append(fields, "-"+f)
				}
			}
			if len(fields) > 0 && fa != nil && fb != nil {
				parts = append(parts, t+" "+strings.Join(fields, " "))
			}
		}
		if len(parts) > 0 {
			out = append(out, name+": "+strings.Join(parts, ", "))
		}
	}
	return out
}

// types maps the named complex types the service's operations reach to
// their field names.
func (s *Service) types() map[string][]string {
	out := map[string][]string{}
	var walk func(t *Type)
	walk = func(t *Type) {
		if t == nil {
			return
		}
		if _, seen := out[t.Name.Local]; seen {
			return
		}
		var names []string
		for _, f := range t.Fields {
			names = append(names, f.Name)
		}
		out[t.Name.Local] = names
		for _, f := range t.Fields {
			walk(f.Elem)
		}
	}
	for _, op := range s.Operations {
		for _, t := range []*Type{op.Input, op.Output} {
			if t != nil {
				for _, f := range t.Fields {
					walk(f.Elem)
				}
			}
		}
	}
	return out
}

func sortedKeys[V any](maps ...map[string]V) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
