package sealed_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/schema/sealed"
)

func mustKeyring(t *testing.T, keys ...sealed.Key) *sealed.Keyring {
	t.Helper()
	r, err := sealed.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpen(t *testing.T) {
	key := sealed.NewKey()
	r := mustKeyring(t, key)
	const secret = "my-client-secret"
	a := r.Seal(secret, "row-a")
	b := r.Seal(secret, "row-a")
	if !strings.HasPrefix(a, "v1:"+key.ID+":") {
		t.Errorf("sealed form %q, want v1:%s:...", a, key.ID)
	}
	if strings.Contains(a, secret) {
		t.Errorf("sealed value %q holds the secret", a)
	}
	if a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if sealed.KeyID(a) != key.ID || !sealed.IsSealed(a) {
		t.Errorf("KeyID(%q) = %q, IsSealed = %v", a, sealed.KeyID(a), sealed.IsSealed(a))
	}
	for _, v := range []string{a, b} {
		got, err := r.Open(v, "row-a")
		if err != nil || got != secret {
			t.Errorf("Open = %q, %v; want %q", got, err, secret)
		}
	}
	empty := r.Seal("", "row-a")
	if got, err := r.Open(empty, "row-a"); err != nil || got != "" {
		t.Errorf("Open(sealed empty) = %q, %v", got, err)
	}
}

// A value sealed for one row does not open as another's, and a changed
// value does not open at all.
func TestOpen_Refuses(t *testing.T) {
	r := mustKeyring(t, sealed.NewKey())
	v := r.Seal("secret-of-a", "oauth_apps.consumer_secret\x00key-a")
	if _, err := r.Open(v, "oauth_apps.consumer_secret\x00key-b"); !errors.Is(err, sealed.ErrNotOpened) {
		t.Errorf("opened under another row's binding: %v", err)
	}
	mid := len(v) - 20
	flipped := v[:mid] + string(map[bool]byte{true: 'A', false: 'B'}[v[mid] != 'A']) + v[mid+1:]
	if _, err := r.Open(flipped, "oauth_apps.consumer_secret\x00key-a"); !errors.Is(err, sealed.ErrNotOpened) {
		t.Errorf("a changed value opened: %v", err)
	}
	for _, bad := range []string{"v1:", "v1:" + r.SealingKeyID(), "v1:" + r.SealingKeyID() + ":", "v1:" + r.SealingKeyID() + ":!!!", "v1:" + r.SealingKeyID() + ":AAAA"} {
		if _, err := r.Open(bad, "x"); !errors.Is(err, sealed.ErrNotOpened) {
			t.Errorf("Open(%q) = %v, want ErrNotOpened", bad, err)
		}
	}
	other := mustKeyring(t, sealed.NewKey())
	if _, err := other.Open(v, "oauth_apps.consumer_secret\x00key-a"); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Errorf("opened without its key: %v", err)
	}
	// Another key under the same id: the check values differ and the
	// value does not open.
	sameID := sealed.NewKey()
	sameID.ID = r.SealingKeyID()
	impostor := mustKeyring(t, sameID)
	if _, err := impostor.Open(v, "oauth_apps.consumer_secret\x00key-a"); !errors.Is(err, sealed.ErrNotOpened) {
		t.Errorf("opened under another key of the same id: %v", err)
	}
	check, _ := r.Check(r.SealingKeyID())
	if impostor.Matches(r.SealingKeyID(), check) {
		t.Error("another key of the same id matches the check value")
	}
	if !r.Matches(r.SealingKeyID(), check) || r.Matches("other", check) {
		t.Error("Matches does not tell keys apart")
	}
}

func TestOpen_Legacy(t *testing.T) {
	r := mustKeyring(t, sealed.NewKey())
	for stored, want := range map[string]string{
		"plain:abc":       "abc",
		"plain:v1:x:AAAA": "v1:x:AAAA",
		"plain:":          "",
		"written-before":  "written-before",
		"":                "",
	} {
		if got, err := r.Open(stored, "b"); err != nil || got != want {
			t.Errorf("Open(%q) = %q, %v; want %q", stored, got, err, want)
		}
	}
}

// Rotation: the first key seals, every key opens.
func TestKeyring_Rotation(t *testing.T) {
	old, fresh := sealed.NewKey(), sealed.NewKey()
	before := mustKeyring(t, old)
	v := before.Seal("s", "b")
	during := mustKeyring(t, fresh, old)
	if got, err := during.Open(v, "b"); err != nil || got != "s" {
		t.Fatalf("the old key no longer opens: %q, %v", got, err)
	}
	if id := sealed.KeyID(during.Seal("s", "b")); id != fresh.ID {
		t.Errorf("sealed under %s, want the first key %s", id, fresh.ID)
	}
	if ids := during.KeyIDs(); len(ids) != 2 || ids[0] != fresh.ID || ids[1] != old.ID {
		t.Errorf("KeyIDs = %v", ids)
	}
}

func TestNewKeyring_Invalid(t *testing.T) {
	k := sealed.NewKey()
	for name, keys := range map[string][]sealed.Key{
		"none":       nil,
		"short":      {{ID: "a", Secret: make([]byte, 16)}},
		"bad id":     {{ID: "a:b", Secret: k.Secret}},
		"empty id":   {{ID: "", Secret: k.Secret}},
		"twice":      {k, k},
		"space":      {{ID: "a b", Secret: k.Secret}},
		"too long":   {{ID: strings.Repeat("a", 65), Secret: k.Secret}},
		"non-ascii":  {{ID: "clé", Secret: k.Secret}},
		"whitespace": {{ID: "\t", Secret: k.Secret}},
	} {
		if _, err := sealed.NewKeyring(keys...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	r, err := sealed.CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o, want 600", st.Mode().Perm())
	}
	if _, err := sealed.CreateKeyFile(path); err == nil {
		t.Error("an existing key file was overwritten")
	}
	v := r.Seal("s", "b")
	read, err := sealed.ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := read.Open(v, "b"); err != nil || got != "s" {
		t.Errorf("the key read back does not open: %q, %v", got, err)
	}

	added, err := sealed.AddKey(path)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := sealed.ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.SealingKeyID() != added.ID {
		t.Errorf("sealing key %s, want the added %s", rotated.SealingKeyID(), added.ID)
	}
	if got, err := rotated.Open(v, "b"); err != nil || got != "s" {
		t.Errorf("the old key no longer opens after AddKey: %q, %v", got, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode after AddKey %o, want 600", st.Mode().Perm())
	}
	if left, _ := filepath.Glob(path + ".new-*"); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestParseKeyFile(t *testing.T) {
	k1, k2 := sealed.NewKey(), sealed.NewKey()
	data := sealed.FormatKeyFile([]sealed.Key{k1, k2})
	keys, err := sealed.ParseKeyFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != k1.ID || !bytes.Equal(keys[0].Secret, k1.Secret) || keys[1].ID != k2.ID {
		t.Errorf("parsed %v", keys)
	}
	secretText := string(data[bytes.LastIndexByte(data[:len(data)-1], ' ')+1 : len(data)-1])
	for name, text := range map[string]string{
		"empty":        "",
		"comments":     "# nothing\n\n",
		"one field":    "abc\n",
		"three fields": "abc " + secretText + " x\n",
		"bad base64":   "abc !!!\n",
		"short key":    "abc AAAA\n",
		"bad id":       "a:b " + secretText + "\n",
		"twice":        "a " + secretText + "\na " + secretText + "\n",
	} {
		keys, err := sealed.ParseKeyFile([]byte(text))
		if err == nil {
			if _, err = sealed.NewKeyring(keys...); err == nil {
				t.Errorf("%s: accepted", name)
			}
			continue
		}
		if strings.Contains(err.Error(), secretText) {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
		if !strings.HasPrefix(err.Error(), "sealed: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

// BenchmarkOpen measures what reading a client from the database adds: one
// secret opened.
func BenchmarkOpen(b *testing.B) {
	r, err := sealed.NewKeyring(sealed.NewKey())
	if err != nil {
		b.Fatal(err)
	}
	v := r.Seal("ElDrhqQHQoGTBffDEdPIJQVwLfca", "oauth_apps.consumer_secret\x00tgAxsgONlHFt7Vj0x4BYlqwikJAa")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Open(v, "oauth_apps.consumer_secret\x00tgAxsgONlHFt7Vj0x4BYlqwikJAa"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeal measures what writing a client adds: one secret sealed.
func BenchmarkSeal(b *testing.B) {
	r, err := sealed.NewKeyring(sealed.NewKey())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Seal("ElDrhqQHQoGTBffDEdPIJQVwLfca", "oauth_apps.consumer_secret\x00tgAxsgONlHFt7Vj0x4BYlqwikJAa")
	}
}
