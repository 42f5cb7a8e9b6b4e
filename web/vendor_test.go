package web

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"
	"testing"
)

// TestVendoredFiles checks that every vendored file is the published one
// listed in static/vendor/VERSIONS, and that nothing unlisted hides there.
func TestVendoredFiles(t *testing.T) {
	list, err := staticFS.Open("static/vendor/VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	defer list.Close()
	listed := map[string]bool{"VERSIONS": true}
	sc := bufio.NewScanner(list)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("VERSIONS: malformed line %q", line)
		}
		name, want := f[2], f[3]
		listed[name] = true
		data, err := fs.ReadFile(staticFS, "static/vendor/"+name)
		if err != nil {
			t.Errorf("%s %s: %v", f[0], name, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s %s %s: SHA-256 %s, want %s (the file was changed)", f[0], f[1], name, got, want)
		}
	}
	fs.WalkDir(staticFS, "static/vendor", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !listed[strings.TrimPrefix(path, "static/vendor/")] {
			t.Errorf("%s is not listed in VERSIONS", path)
		}
		return err
	})
}
