// Package settings keeps the values the server generates for itself and
// shares between its processes and restarts (the secret key when SECRET_KEY
// is not set) in PostgreSQL. Its table comes from its numbered migrations.
package settings

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/transport/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the numbered migrations (schema "settings").
func Migrations() pgmigrate.Set {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return pgmigrate.Set{Schema: "settings", Files: files}
}

// SecretKey returns the generated secret key: 256 random bits, hex-encoded,
// made by the first process that asks and kept for all of them.
func SecretKey(ctx context.Context, pool *pgxpool.Pool) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("settings: generate secret: %w", err)
	}
	var key string
	err := pool.QueryRow(ctx, `WITH ins AS (
  INSERT INTO settings.settings (key, value) VALUES ('secret_key', $1) ON CONFLICT (key) DO NOTHING RETURNING value)
SELECT value FROM ins UNION ALL SELECT value FROM settings.settings WHERE key = 'secret_key' LIMIT 1`, hex.EncodeToString(b)).Scan(&key)
	if err != nil {
		return nil, fmt.Errorf("settings: load secret: %w", err)
	}
	return []byte(key), nil
}
