// Package nonces remembers values that may be used once (the salts of 003's
// digest logins) in PostgreSQL, so that a replay is refused by every server
// process. Its table comes from its numbered migrations.
package nonces

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/transport/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the ledger's numbered migrations (schema "nonces").
func Migrations() pgmigrate.Set {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return pgmigrate.Set{Schema: "nonces", Files: files}
}

// Ledger records used values per scope.
type Ledger struct{ pool *pgxpool.Pool }

// New returns the ledger; its migrations must have been applied.
func New(pool *pgxpool.Pool) *Ledger { return &Ledger{pool: pool} }

// Use records value as used in scope; fresh is false when it was used
// before.
func (l *Ledger) Use(ctx context.Context, scope, value string) (fresh bool, err error) {
	tag, err := l.pool.Exec(ctx, `INSERT INTO nonces.used_salts (scope, salt) VALUES ($1, $2) ON CONFLICT DO NOTHING`, scope, value)
	if err != nil {
		return false, fmt.Errorf("nonces: use: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
