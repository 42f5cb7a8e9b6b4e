package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

// The client secrets in the database are sealed with the keys of a key
// file (package schema/sealed), by default secret.key in the data
// directory, which serve creates on first start.

// defaultSecretKeyFile is the name of the key file in the data directory.
const defaultSecretKeyFile = "secret.key"

// secretKeyFile is the key file of a configuration: the one given, or
// secret.key in the data directory.
func secretKeyFile(dataDir, given string) string {
	if given != "" {
		return given
	}
	return filepath.Join(dataDir, defaultSecretKeyFile)
}

// loadSecretKeys reads the key file at path. When there is none it makes
// one, unless the database already records keys: then the key file of the
// instance that sealed its secrets is missing, and a new key would only
// hide that.
func loadSecretKeys(ctx context.Context, log zerolog.Logger, db *schema.DB, path string) (*sealed.Keyring, error) {
	keys, err := sealed.ReadKeyFile(path)
	if err == nil {
		return keys, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret keys: %w", err)
	}
	ids, err := db.SecretKeyIDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		return nil, fmt.Errorf("secret keys: there is no key file at %s, and the database's client secrets are sealed under key %s: give the key file they were sealed with (--secret-key-file, ISADMIN_SECRET_KEY_FILE); every instance sharing a database needs the same key file",
			path, strings.Join(ids, ", "))
	}
	if keys, err = sealed.CreateKeyFile(path); err != nil {
		return nil, fmt.Errorf("secret keys: %w", err)
	}
	log.Info().Str("path", path).Str("key_id", keys.SealingKeyID()).
		Msg("created the secret key file; back it up apart from the database: without it the stored client secrets are lost")
	return keys, nil
}

// secretFlags are the flags of rewrap and secret-key.
type secretFlags struct {
	dataDir, databaseURL, keyFile string
}

func (f *secretFlags) parse(name, usage string, database bool, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin "+name, flag.ContinueOnError)
	fs.StringVar(&f.dataDir, "data-dir", "data", "data directory `DIR` (env ISADMIN_DATA_DIR)")
	if database {
		fs.StringVar(&f.databaseURL, "database-url", "", "PostgreSQL `URL` instead of the SQLite database in --data-dir (env ISADMIN_DATABASE_URL)")
	}
	fs.StringVar(&f.keyFile, "secret-key-file", "", "key `FILE` of the client secrets (env ISADMIN_SECRET_KEY_FILE; default: secret.key in --data-dir)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "isadmin %s: unexpected argument %q\n", name, fs.Arg(0))
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, o := range []struct {
		flag, env string
		dst       *string
	}{
		{"data-dir", "ISADMIN_DATA_DIR", &f.dataDir},
		{"database-url", "ISADMIN_DATABASE_URL", &f.databaseURL},
		{"secret-key-file", "ISADMIN_SECRET_KEY_FILE", &f.keyFile},
	} {
		if o.flag == "database-url" && !database {
			continue
		}
		if v, ok := lookup(getenv, o.env); ok && !given[o.flag] {
			*o.dst = v
		}
	}
	if f.databaseURL != "" && !schema.IsPostgresURL(f.databaseURL) {
		fmt.Fprintf(stderr, "isadmin %s: --database-url must be a postgres:// URL\n", name)
		return errUsage
	}
	f.keyFile = secretKeyFile(f.dataDir, f.keyFile)
	return nil
}

const rewrapUsage = `Usage: isadmin rewrap [--data-dir DIR | --database-url URL] [--secret-key-file FILE]

Seals every client secret in the database again under the first key of the
key file, in one transaction, and forgets the other keys: afterwards they
may leave the key file. Run it once every instance runs with the new key.

`

// runRewrap seals every stored secret again under the first key of the
// key file: isadmin rewrap.
func runRewrap(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f secretFlags
	if err := f.parse("rewrap", rewrapUsage, true, args, getenv, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	db, err := openDatabase(ctx, f.dataDir, f.databaseURL)
	if err != nil {
		return failure(err)
	}
	defer db.Close()
	keys, err := sealed.ReadKeyFile(f.keyFile)
	if err != nil {
		return failure(err)
	}
	if _, err := db.UseSecretKeys(ctx, keys); err != nil {
		return failure(err)
	}
	n, err := db.RewrapSecrets(ctx)
	if err != nil {
		return failure(err)
	}
	fmt.Fprintf(stdout, "sealed %d client secrets again under key %s\n", n, keys.SealingKeyID())
	if others := keys.KeyIDs()[1:]; len(others) > 0 {
		fmt.Fprintf(stdout, "no stored secret needs key %s any longer: its line may leave %s\n", strings.Join(others, ", "), f.keyFile)
	}
	return nil
}

const secretKeyUsage = `Usage: isadmin secret-key add [--data-dir DIR] [--secret-key-file FILE]

Puts a new key first in the key file (making the file if there is none): it
seals from the next start on, while the keys after it still open. Then
restart every instance with the file, run isadmin rewrap, and delete the
lines of the old keys.

`

// runSecretKey manages the key file: isadmin secret-key add.
func runSecretKey(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, secretKeyUsage)
			return nil
		}
		fmt.Fprint(stderr, secretKeyUsage)
		return errUsage
	}
	var f secretFlags
	if err := f.parse("secret-key add", secretKeyUsage, false, args[1:], getenv, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if _, err := os.Stat(f.keyFile); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(f.keyFile), dataDirMode); err != nil {
			return failure(err)
		}
		keys, err := sealed.CreateKeyFile(f.keyFile)
		if err != nil {
			return failure(err)
		}
		fmt.Fprintf(stdout, "created %s with key %s; back it up apart from the database\n", f.keyFile, keys.SealingKeyID())
		return nil
	}
	key, err := sealed.AddKey(f.keyFile)
	if err != nil {
		return failure(err)
	}
	fmt.Fprintf(stdout, "added key %s first in %s: restart every instance with this file, then run isadmin rewrap\n", key.ID, f.keyFile)
	return nil
}
