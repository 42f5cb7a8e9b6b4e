package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/isadmin/isadmin/schema/sealed"
)

// ErrSecretKeys reports secret keys that do not fit the database: a key
// whose check value differs from the one the database keeps under its id,
// or a key the database's values may be sealed under that the keyring
// lacks.
var ErrSecretKeys = errors.New("schema: the secret keys do not fit the database")

// errNoSecretKeys reports a read or write of a secret before UseSecretKeys.
var errNoSecretKeys = errors.New("no secret keys: the database was opened without them")

// ClientSecretBinding is what a client secret is sealed to (see
// sealed.Keyring.Seal): its column and its row's consumer key, which is
// unique in the whole database, so that a secret copied into another
// client's row does not open. Tools that copy rows themselves seal with it.
func ClientSecretBinding(consumerKey string) string {
	return "oauth_apps.consumer_secret\x00" + consumerKey
}

// sealSecret returns a client secret as it is stored.
func (db *DB) sealSecret(consumerKey, secret string) (string, error) {
	keys := db.secretKeys.Load()
	if keys == nil {
		return "", errNoSecretKeys
	}
	return keys.Seal(secret, ClientSecretBinding(consumerKey)), nil
}

// openSecret returns the client secret of a stored value.
func (db *DB) openSecret(consumerKey, stored string) (string, error) {
	keys := db.secretKeys.Load()
	if keys == nil {
		return "", errNoSecretKeys
	}
	secret, err := keys.Open(stored, ClientSecretBinding(consumerKey))
	if err != nil {
		return "", fmt.Errorf("secret of client %q: %w", consumerKey, err)
	}
	return secret, nil
}

// SecretKeyIDs lists the ids of the keys the database's values may be
// sealed under, as secret_keys records them, in order. A database that no
// server has started on yet has none.
func (db *DB) SecretKeyIDs(ctx context.Context) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT key_id FROM secret_keys ORDER BY key_id`)
	if err != nil {
		return nil, fmt.Errorf("schema: secret keys: %w", err)
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("schema: secret keys: %w", err)
	}
	return ids, nil
}

// UseSecretKeys checks keys against the database and then seals and opens
// client secrets with them. In one transaction, serialized with every
// other instance's start:
//
//   - every key secret_keys lists must be in keys with the same check
//     value, or UseSecretKeys fails with ErrSecretKeys and changes
//     nothing: values may be sealed under it, and an instance sealing
//     with a key the others lack would lose its writes to them;
//   - the sealing key of keys is recorded when it is not yet;
//   - every secret not sealed yet (stored before sealing existed) is
//     sealed.
//
// It returns how many secrets it sealed.
func (db *DB) UseSecretKeys(ctx context.Context, keys *sealed.Keyring) (int, error) {
	sealedNow := 0
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := db.adoptSecretKeys(ctx, tx, keys); err != nil {
			return err
		}
		var err error
		// The condition of the partial index oauth_apps_unsealed_idx, as
		// it is written there, so that the query reads the index alone.
		sealedNow, err = resealSecrets(ctx, tx, keys, `substr(consumer_secret, 1, 3) <> 'v1:'`)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrSecretKeys) {
			return 0, err
		}
		return 0, fmt.Errorf("schema: secret keys: %w", err)
	}
	db.secretKeys.Store(keys)
	return sealedNow, nil
}

// checkSecretKeys compares the keys secret_keys records with keys.
func checkSecretKeys(ctx context.Context, tx *sql.Tx, keys *sealed.Keyring) error {
	rows, err := tx.QueryContext(ctx, `SELECT key_id, key_check FROM secret_keys ORDER BY key_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var missing, differing []string
	for rows.Next() {
		var id, check string
		if err := rows.Scan(&id, &check); err != nil {
			return err
		}
		if _, ok := keys.Check(id); !ok {
			missing = append(missing, id)
		} else if !keys.Matches(id, check) {
			differing = append(differing, id)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	switch {
	case len(differing) > 0:
		return fmt.Errorf("%w: key %s of the key file is another key than the one the database knows by that id; give the key file the stored secrets were sealed with",
			ErrSecretKeys, strings.Join(differing, ", "))
	case len(missing) > 0:
		return fmt.Errorf("%w: stored secrets may be sealed under key %s, which the key file (ids %s) lacks; every instance sharing a database needs the same key file, and a key leaves the file only after isadmin rewrap",
			ErrSecretKeys, strings.Join(missing, ", "), strings.Join(keys.KeyIDs(), ", "))
	}
	return nil
}

// recordSealingKey adds the sealing key of keys to secret_keys unless it is
// there already.
func (db *DB) recordSealingKey(ctx context.Context, tx *sql.Tx, keys *sealed.Keyring) error {
	id := keys.SealingKeyID()
	check, _ := keys.Check(id)
	_, err := tx.ExecContext(ctx, `INSERT INTO secret_keys (key_id, key_check, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key_id) DO NOTHING`, id, check, formatTime(db.now()))
	return err
}

// resealSecrets seals again, under the sealing key of keys, the client
// secrets of the rows where selects, and returns how many.
func resealSecrets(ctx context.Context, tx *sql.Tx, keys *sealed.Keyring, where string, args ...any) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, consumer_key, consumer_secret FROM oauth_apps
		WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return 0, err
	}
	type resealed struct {
		id     int64
		stored string
	}
	var todo []resealed
	for rows.Next() {
		var (
			id          int64
			key, stored string
		)
		if err := rows.Scan(&id, &key, &stored); err != nil {
			rows.Close()
			return 0, err
		}
		secret, err := keys.Open(stored, ClientSecretBinding(key))
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("secret of client %q: %w", key, err)
		}
		todo = append(todo, resealed{id, keys.Seal(secret, ClientSecretBinding(key))})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// Rows are written in batches: one statement per row made a start
	// with a hundred thousand secrets to seal take minutes on PostgreSQL,
	// one round trip each.
	for batch := range slices.Chunk(todo, resealBatch) {
		values := strings.Repeat("(CAST(? AS BIGINT), ?), ", len(batch))
		args := make([]any, 0, 2*len(batch))
		for _, r := range batch {
			args = append(args, r.id, r.stored)
		}
		if _, err := tx.ExecContext(ctx, `WITH v (id, stored) AS (VALUES `+strings.TrimSuffix(values, ", ")+`)
			UPDATE oauth_apps SET consumer_secret = v.stored FROM v WHERE oauth_apps.id = v.id`, args...); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

// resealBatch is how many rows resealSecrets writes per statement.
const resealBatch = 500

// RewrapSecrets seals every stored secret that is not sealed under the
// sealing key of the keys given to UseSecretKeys again under it, and
// forgets every other key, in one transaction; it returns how many secrets
// it sealed again. Afterwards the other keys may leave the key file.
func (db *DB) RewrapSecrets(ctx context.Context) (int, error) {
	keys := db.secretKeys.Load()
	if keys == nil {
		return 0, fmt.Errorf("schema: rewrap secrets: %w", errNoSecretKeys)
	}
	current := keys.SealingKeyID()
	resealed := 0
	err := db.update(ctx, func(tx *sql.Tx) error {
		// Another instance may have recorded a key since this one started.
		if err := db.adoptSecretKeys(ctx, tx, keys); err != nil {
			return err
		}
		var err error
		prefix := "v1:" + current + ":"
		if resealed, err = resealSecrets(ctx, tx, keys, `substr(consumer_secret, 1, ?) <> ?`, len(prefix), prefix); err != nil {
			return err
		}
		// Tokens are valid without their sealed copies, which only let an
		// active token be answered again: those under other keys go.
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET sealed = NULL
			WHERE sealed IS NOT NULL AND substr(sealed, 1, ?) <> ?`, len(prefix), prefix); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM secret_keys WHERE key_id <> ?`, current)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrSecretKeys) {
			return 0, err
		}
		return 0, fmt.Errorf("schema: rewrap secrets: %w", err)
	}
	return resealed, nil
}

// adoptSecretKeys checks keys against the keys the database records and
// records the sealing key, one instance at a time (under the migrations'
// lock).
func (db *DB) adoptSecretKeys(ctx context.Context, tx *sql.Tx, keys *sealed.Keyring) error {
	if err := db.lockMigrations(ctx, tx); err != nil {
		return err
	}
	if err := checkSecretKeys(ctx, tx, keys); err != nil {
		return err
	}
	return db.recordSealingKey(ctx, tx, keys)
}
