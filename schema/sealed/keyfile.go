package sealed

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileMode is the mode of a key file: readable and writable by its owner
// only.
const KeyFileMode fs.FileMode = 0o600

// keyFileHeader opens every key file this package writes.
const keyFileHeader = `# isadmin secret keys. The client secrets stored in the database are sealed
# with these keys: without this file they are lost. Back it up apart from the
# database, and give every instance sharing a database the same file.
#
# One key a line: <id> <base64 of 32 random bytes>. The first key seals new
# values; every key opens. To rotate: isadmin secret-key add, restart every
# instance, isadmin rewrap, then delete the line of the old key.
`

// ParseKeyFile reads the keys of a key file, the sealing key first. Blank
// lines and lines starting with '#' are skipped; every other line is a
// key id and the base64 of its secret, separated by white space. Errors
// name the line, never its key.
func ParseKeyFile(data []byte) ([]Key, error) {
	keys, err := parseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("sealed: key file: %w", err)
	}
	return keys, nil
}

func parseKeys(data []byte) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"<id> <base64 key>\"", n)
		}
		if err := checkKeyID(fields[0]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		secret, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil || len(secret) != KeySize {
			return nil, fmt.Errorf("line %d: key %s: want the base64 of %d bytes", n, fields[0], KeySize)
		}
		keys = append(keys, Key{ID: fields[0], Secret: secret})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	return keys, nil
}

// FormatKeyFile is the text of a key file holding keys, the sealing key
// first.
func FormatKeyFile(keys []Key) []byte {
	var b bytes.Buffer
	b.WriteString(keyFileHeader)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", k.ID, base64.StdEncoding.EncodeToString(k.Secret))
	}
	return b.Bytes()
}

// ReadKeyFile returns the keyring of the key file at path.
func ReadKeyFile(path string) (*Keyring, error) {
	keys, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	return NewKeyring(keys...)
}

// readKeys reads the keys of the key file at path.
func readKeys(path string) ([]Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	keys, err := parseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("sealed: key file %s: %w", path, err)
	}
	return keys, nil
}

// CreateKeyFile writes a key file at path holding one new key, with
// KeyFileMode, and returns its keyring. It fails when the file exists. The
// file appears whole or not at all, even when the process is killed.
func CreateKeyFile(path string) (*Keyring, error) {
	key := NewKey()
	if err := writeKeyFile(path, FormatKeyFile([]Key{key}), false); err != nil {
		return nil, fmt.Errorf("sealed: creating the key file: %w", err)
	}
	return NewKeyring(key)
}

// AddKey puts a new key first in the key file at path, so that it seals
// from the next start on while the keys before it still open, and returns
// it. The file is replaced whole, with KeyFileMode.
func AddKey(path string) (Key, error) {
	keys, err := readKeys(path)
	if err != nil {
		return Key{}, err
	}
	key := NewKey()
	keys = append([]Key{key}, keys...)
	if _, err := NewKeyring(keys...); err != nil {
		return Key{}, err
	}
	if err := writeKeyFile(path, FormatKeyFile(keys), true); err != nil {
		return Key{}, fmt.Errorf("sealed: adding a key: %w", err)
	}
	return key, nil
}

// writeKeyFile writes data to a new file with KeyFileMode beside path,
// syncs it, and then puts it at path: replacing what is there when
// replace is set, else failing when path exists.
func writeKeyFile(path string, data []byte, replace bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(KeyFileMode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp, path)
	} else {
		// A link fails when path exists, where a rename would replace it.
		err = os.Link(tmp, path)
	}
	if err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a new entry of a directory durable, where the system allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
