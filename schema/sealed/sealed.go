// Package sealed encrypts secrets for storage. A sealed value is text:
//
//	v1:<key id>:<base64url of nonce | ciphertext>
//
// sealed with AES-256-GCM under the key of that id, with a random nonce per
// value, and bound to a caller-chosen binding (the column and the identity
// of the row it belongs to), so that a value copied into another row, or
// into another column, does not open.
//
// A Keyring holds one or more keys: the first seals, every key opens. That
// is what rotation needs: a new key goes first, every stored value is sealed
// again under it, then the old key can go. Each key has a check value, from
// which nothing about the key can be learnt, that a database keeps to tell
// whether the keys it is given are the ones its values were sealed with.
//
// Values stored before sealing existed still open: a value with the plain
// prefix ("plain:") is the rest of it, and a value with no known prefix is
// itself.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

const (
	// KeySize is the size in bytes of a key's secret.
	KeySize = 32
	// PlainPrefix marks a value stored as it is, before sealing existed.
	PlainPrefix = "plain:"
	// sealedPrefix starts every sealed value; the version names the
	// format and the algorithm.
	sealedPrefix = "v1:"
	// maxKeyIDLength bounds a key id, which every sealed value repeats.
	maxKeyIDLength = 64

	encryptionInfo = "isadmin sealed v1: AES-256-GCM key"
	checkInfo      = "isadmin sealed v1: key check"
	checkMessage   = "isadmin secret key check"
)

var (
	// ErrUnknownKey reports a value sealed under a key the keyring lacks.
	ErrUnknownKey = errors.New("sealed: the value is sealed under a key the key file lacks")
	// ErrNotOpened reports a sealed value that does not open: it was
	// changed, or moved from the row it was sealed for, or sealed under
	// another key of the same id.
	ErrNotOpened = errors.New("sealed: the value does not open (changed, moved from its row, or sealed under another key of that id)")
)

// Key is a secret key and the id that sealed values name it by.
type Key struct {
	ID     string
	Secret []byte
}

// NewKey returns a key of KeySize random bytes with a random id of eight
// hexadecimal digits.
func NewKey() Key {
	var id [4]byte
	secret := make([]byte, KeySize)
	rand.Read(id[:])
	rand.Read(secret)
	return Key{ID: hex.EncodeToString(id[:]), Secret: secret}
}

// Keyring seals under its first key and opens under any of its keys. It is
// safe for concurrent use.
type Keyring struct {
	keys []*ringKey
	byID map[string]*ringKey
}

type ringKey struct {
	id    string
	aead  cipher.AEAD
	check string
}

// NewKeyring returns a keyring of keys, the first of which seals. Ids must
// be unique and valid (see ValidKeyID), secrets KeySize bytes long.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("sealed: no key")
	}
	r := &Keyring{byID: make(map[string]*ringKey, len(keys))}
	for _, k := range keys {
		if err := checkKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("sealed: %w", err)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("sealed: key %s: want %d bytes, got %d", k.ID, KeySize, len(k.Secret))
		}
		if r.byID[k.ID] != nil {
			return nil, fmt.Errorf("sealed: key id %s is given twice", k.ID)
		}
		rk, err := newRingKey(k)
		if err != nil {
			return nil, err
		}
		r.keys = append(r.keys, rk)
		r.byID[k.ID] = rk
	}
	return r, nil
}

// newRingKey derives a key's encryption key and check value from its
// secret, each for its own purpose.
func newRingKey(k Key) (*ringKey, error) {
	encryptionKey, err := hkdf.Key(sha256.New, k.Secret, nil, encryptionInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("sealed: key %s: %w", k.ID, err)
	}
	block, err := aes.NewCipher(encryptionKey)
	if err != nil {
		return nil, fmt.Errorf("sealed: key %s: %w", k.ID, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealed: key %s: %w", k.ID, err)
	}
	checkKey, err := hkdf.Key(sha256.New, k.Secret, nil, checkInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("sealed: key %s: %w", k.ID, err)
	}
	mac := hmac.New(sha256.New, checkKey)
	mac.Write([]byte(checkMessage))
	return &ringKey{id: k.ID, aead: aead, check: base64.RawURLEncoding.EncodeToString(mac.Sum(nil))}, nil
}

// ValidKeyID reports whether id can name a key: 1 to 64 ASCII letters,
// digits, dots, hyphens and underscores.
func ValidKeyID(id string) error {
	if err := checkKeyID(id); err != nil {
		return fmt.Errorf("sealed: %w", err)
	}
	return nil
}

func checkKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLength {
		return fmt.Errorf("key id %q: want 1 to %d characters", id, maxKeyIDLength)
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_':
		default:
			return fmt.Errorf("key id %q: want only letters, digits, '.', '-' and '_'", id)
		}
	}
	return nil
}

// SealingKeyID is the id of the key that seals: the first.
func (r *Keyring) SealingKeyID() string { return r.keys[0].id }

// KeyIDs lists the ids of the keys, the sealing key first.
func (r *Keyring) KeyIDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// Check returns the check value of the key with the id, and whether the
// keyring has that key.
func (r *Keyring) Check(id string) (string, bool) {
	k := r.byID[id]
	if k == nil {
		return "", false
	}
	return k.check, true
}

// Matches reports, in constant time, whether the keyring has a key of the
// id whose check value is check.
func (r *Keyring) Matches(id, check string) bool {
	k := r.byID[id]
	return k != nil && hmac.Equal([]byte(k.check), []byte(check))
}

// Seal seals plaintext under the sealing key, bound to binding.
func (r *Keyring) Seal(plaintext, binding string) string {
	k := r.keys[0]
	header := sealedPrefix + k.id + ":"
	size := k.aead.NonceSize()
	buf := make([]byte, size, size+len(plaintext)+k.aead.Overhead())
	rand.Read(buf)
	buf = k.aead.Seal(buf, buf[:size], []byte(plaintext), additionalData(header, binding))
	return header + base64.RawURLEncoding.EncodeToString(buf)
}

// Open returns the plaintext of a stored value bound to binding: a sealed
// value opened, a plain-prefixed value without its prefix, any other value
// as it is. It returns an error wrapping ErrUnknownKey or ErrNotOpened
// when a sealed value cannot be opened.
func (r *Keyring) Open(stored, binding string) (string, error) {
	if rest, ok := strings.CutPrefix(stored, PlainPrefix); ok {
		return rest, nil
	}
	if !IsSealed(stored) {
		return stored, nil
	}
	id, body, ok := strings.Cut(stored[len(sealedPrefix):], ":")
	if !ok {
		return "", fmt.Errorf("%w: no key id", ErrNotOpened)
	}
	k := r.byID[id]
	if k == nil {
		return "", fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", fmt.Errorf("%w (key id %s): malformed", ErrNotOpened, id)
	}
	size := k.aead.NonceSize()
	header := stored[:len(sealedPrefix)+len(id)+1]
	plaintext, err := k.aead.Open(nil, raw[:size], raw[size:], additionalData(header, binding))
	if err != nil {
		return "", fmt.Errorf("%w (key id %s)", ErrNotOpened, id)
	}
	return string(plaintext), nil
}

// additionalData authenticates the header of a sealed value (format and key
// id) and its binding along with the ciphertext. The header ends with the
// only colon it may hold, so the two cannot run into each other.
func additionalData(header, binding string) []byte {
	return []byte(header + binding)
}

// IsSealed reports whether a stored value is in the sealed form.
func IsSealed(stored string) bool { return strings.HasPrefix(stored, sealedPrefix) }

// KeyID returns the id of the key a sealed value names, or "" for a value
// that is not sealed.
func KeyID(stored string) string {
	if !IsSealed(stored) {
		return ""
	}
	id, _, _ := strings.Cut(stored[len(sealedPrefix):], ":")
	return id
}
