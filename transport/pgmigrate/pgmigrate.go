// Package pgmigrate applies an adapter's numbered SQL migrations (goose
// files embedded in the adapter) to its own PostgreSQL schema, with its own
// version table, safely from several processes starting at once. Every
// adapter that keeps state the log cannot rebuild (sessions, nonces, OAuth
// states, the personal-data keys, settings) declares one Set; the server
// applies them at start in a fixed order and `logctl migrations` shows their
// versions.
package pgmigrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// Set is one adapter's migrations.
type Set struct {
	// Schema holds the adapter's tables and the version table
	// "<Schema>.goose_version".
	Schema string
	// Files holds the migrations (0000N_name.sql, goose's annotations) at
	// its root.
	Files fs.FS
	// Table is the version table; default "<Schema>.goose_version".
	Table string
}

// VersionTable is the set's goose version table.
func (s Set) VersionTable() string {
	if s.Table != "" {
		return s.Table
	}
	return s.Schema + ".goose_version"
}

// lockKey is the set's advisory lock key, derived from its schema.
func (s Set) lockKey() int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("pgmigrate:" + s.Schema))
	return int64(h.Sum64())
}

// Up brings the set's schema to its newest version. Concurrent calls (other
// processes) wait on a session advisory lock.
func Up(ctx context.Context, pool *pgxpool.Pool, s Set) error {
	return s.withProvider(ctx, pool, true, func(p *goose.Provider) error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("pgmigrate %s: %w", s.Schema, err)
		}
		return nil
	})
}

// Version is a set's applied and newest versions.
type Version struct {
	Schema  string
	Current int64
	Latest  int64
}

// Versions reports the applied and the newest version of each set; a set
// never applied has Current 0.
func Versions(ctx context.Context, pool *pgxpool.Pool, sets ...Set) ([]Version, error) {
	out := make([]Version, 0, len(sets))
	for _, s := range sets {
		v := Version{Schema: s.Schema}
		err := s.withProvider(ctx, pool, false, func(p *goose.Provider) error {
			srcs := p.ListSources()
			if len(srcs) > 0 {
				v.Latest = srcs[len(srcs)-1].Version
			}
			var exists bool
			if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.VersionTable()).Scan(&exists); err != nil || !exists {
				return err
			}
			cur, err := p.GetDBVersion(ctx)
			v.Current = cur
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("pgmigrate %s: version: %w", s.Schema, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func (s Set) withProvider(ctx context.Context, pool *pgxpool.Pool, lock bool, f func(*goose.Provider) error) error {
	if s.Schema == "" || s.Files == nil {
		return errors.New("pgmigrate: a set needs a schema and its files")
	}
	if lock {
		// The version table lives in the schema, which must exist first; the
		// transaction lock makes CREATE SCHEMA IF NOT EXISTS safe against a
		// twin.
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", s.lockKey()); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{s.Schema}.Sanitize())
			return err
		})
		if err != nil {
			return fmt.Errorf("pgmigrate %s: create schema: %w", s.Schema, err)
		}
		// A session lock on one pooled connection while goose works on
		// others: a concurrent Up waits in pg_advisory_lock.
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("pgmigrate %s: %w", s.Schema, err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", s.lockKey()); err != nil {
			return fmt.Errorf("pgmigrate %s: lock: %w", s.Schema, err)
		}
		defer func() {
			if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", s.lockKey()); err != nil {
				// The session ends with the connection, and the lock with it.
				conn.Conn().Close(context.Background())
			}
		}()
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	return withDB(db, s, f)
}

func withDB(db *sql.DB, s Set, f func(*goose.Provider) error) error {
	p, err := goose.NewProvider(goose.DialectPostgres, db, s.Files,
		goose.WithTableName(s.VersionTable()),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("pgmigrate %s: goose provider: %w", s.Schema, err)
	}
	return f(p)
}
