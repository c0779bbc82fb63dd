package engine

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// Schema is the PostgreSQL schema of the engine's own tables: generations,
// checkpoints, parked events, and goose's version table.
const Schema = "projection"

// MigrationsTable is the goose version table of the engine's migrations; it
// lives in Schema so that other goose users keep their own.
const MigrationsTable = Schema + ".goose_version"

// migrateLockKey serializes concurrent Migrate calls ("projmigr").
const migrateLockKey int64 = 0x70726f6a6d696772

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationFiles are the engine's migrations (operators list their
// versions).
func MigrationFiles() fs.FS {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return files
}

// Migrate creates or updates the engine's tables. It is safe to call from
// several processes at once; Run calls it, and so does every other method
// before its first query.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	// goose creates its version table inside Schema, which must exist first;
	// the advisory lock makes CREATE SCHEMA IF NOT EXISTS safe against a twin.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+Schema)
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: migrate: create schema: %w", err)
	}
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("engine: migrate: %w", err)
	}
	// A session advisory lock held on one pooled connection while goose
	// works on others: a concurrent Migrate waits in pg_advisory_lock instead
	// of polling as goose's own session locker does (every second at best).
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("engine: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return fmt.Errorf("engine: migrate: lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockKey); err != nil {
			// The session ends with the connection, and the lock with it.
			conn.Conn().Close(context.Background())
		}
	}()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations,
		goose.WithTableName(MigrationsTable),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("engine: migrate: goose provider: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("engine: migrate: %w", err)
	}
	return nil
}
