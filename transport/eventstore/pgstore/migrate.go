package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Schema is the PostgreSQL schema that holds the event store's tables.
const Schema = "eventstore"

// MigrationsTable is the goose version table of the event store's migrations.
// It lives inside Schema so other goose migration sets (the read models) keep
// their own table.
const MigrationsTable = Schema + ".goose_db_version"

// migrateLockKey is the advisory lock key that serializes concurrent Migrate
// calls (several server processes starting at once). It differs from goose's
// default key so read-model migrations do not wait for these.
const migrateLockKey int64 = 0x65766d6967726174 // "evmigrat"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationFiles are the event store's migrations (operators list their
// versions).
func MigrationFiles() fs.FS {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return files
}

// Migrate brings the event store's schema to the newest version. It is safe to
// call from several processes at once and on every start.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	// goose creates its version table inside Schema, so the schema must exist
	// first. CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin;
	// the transaction-level advisory lock serializes it.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+Schema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}

	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrateLockKey))
	if err != nil {
		return fmt.Errorf("pgstore: migrate: session locker: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations,
		goose.WithTableName(MigrationsTable),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: goose provider: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}
