package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/isadmin/isadmin/admin"
)

// What an import (package transfer) writes: each client or service
// provider in a transaction of its own, whole or not at all.

// ErrDuplicateUUID means another service provider has the resource id
// (uuid) already; resource ids are unique across tenants.
var ErrDuplicateUUID = errors.New("schema: another service provider has this resource id")

// ErrUnknownClient means a service provider links a consumer key that is no
// OAuth client of its tenant.
var ErrUnknownClient = errors.New("schema: no OAuth client of the tenant has this consumer key")

func init() {
	sqliteUniqueColumns["service_providers.uuid"] = "service_providers_uuid_key"
	constraintErrors["service_providers_uuid_key"] = ErrDuplicateUUID
}

// PutServiceProvider writes a service provider as an import has it, with
// its OAuth key links, in one transaction. With sp.ID zero it inserts the
// provider (sp.UUID must be set); otherwise it replaces the name,
// description, owner, document and links of the tenant's provider with
// sp.ID, and its uuid unless sp.UUID is empty. Unlike UpdateServiceProvider
// it deletes no OAuth client whose key it unlinks: an import copies the
// clients on their own. Every key must be an OAuth client of the tenant
// (ErrUnknownClient, naming the key); a key another provider links is
// admin.ErrDuplicateKey, a taken name admin.ErrDuplicateName, a taken uuid
// ErrDuplicateUUID, and a provider that is gone admin.ErrNotFound. On
// failure nothing is written and sp is left unchanged; on success sp.ID,
// UUID, CreatedAt and UpdatedAt are set.
func (db *DB) PutServiceProvider(ctx context.Context, sp *admin.ServiceProviderRecord) error {
	now := db.now()
	id, uuid, createdAt := sp.ID, sp.UUID, formatTime(now)
	err := db.update(ctx, func(tx *sql.Tx) error {
		for _, key := range sp.OAuthKeys {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM oauth_apps WHERE tenant_id = ? AND consumer_key = ?`,
				sp.TenantID, key).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: %s", ErrUnknownClient, key)
			}
			if err != nil {
				return err
			}
		}
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `
				INSERT INTO service_providers (tenant_id, name, uuid, description, owner, document,
					created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				RETURNING id`,
				sp.TenantID, sp.Name, sp.UUID, sp.Description, sp.Owner, string(sp.Document),
				createdAt, createdAt,
			).Scan(&id); err != nil {
				return err
			}
		} else {
			if err := tx.QueryRowContext(ctx, `
				UPDATE service_providers SET name = ?, uuid = CASE WHEN ? = '' THEN uuid ELSE ? END,
					description = ?, owner = ?, document = ?, updated_at = ?
				WHERE id = ? AND tenant_id = ?
				RETURNING uuid, created_at`,
				sp.Name, sp.UUID, sp.UUID, sp.Description, sp.Owner, string(sp.Document), formatTime(now),
				id, sp.TenantID,
			).Scan(&uuid, &createdAt); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sp_oauth_links WHERE sp_id = ?`, id); err != nil {
				return err
			}
		}
		return insertOAuthLinks(ctx, tx, id, sp.TenantID, sp.OAuthKeys)
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("schema: put service provider %q: %w", sp.Name, db.mapError(err))
	}
	created, err := parseTime(createdAt)
	if err != nil {
		return fmt.Errorf("schema: put service provider %q: %w", sp.Name, err)
	}
	sp.ID, sp.UUID, sp.CreatedAt, sp.UpdatedAt = id, uuid, created, now
	return nil
}
