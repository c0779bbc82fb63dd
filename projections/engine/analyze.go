package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Planner statistics of the read models.
//
// A read model's queries are planned from the statistics ANALYZE keeps in
// pg_statistic. Autovacuum keeps them current on most servers; where it is
// off (this project's CI machines among them) a table is never analyzed, the
// planner guesses its size from its pages alone and knows nothing of its
// values, and plans that were right for a small table stay in use as it
// grows: in figure 11 of docs/benchmarks.md the card statistics, which read
// a few thousand rows, went from 29 ms at a log of 1M events to 1.2 s at 10M.
// A generation that was just rebuilt is the sharper case: its tables are
// filled in one go and serve at once, before autovacuum's next round.
//
// So the engine does two things:
//
//   - before it switches to a rebuilt generation, it analyzes the
//     generation's tables (analyzeGeneration), whatever the server's
//     autovacuum does;
//   - every Config.AnalyzeInterval, where autovacuum is off (for the server,
//     or for the table), it analyzes the tables of the active and building
//     generations that autovacuum would analyze by its own rule: more rows
//     changed since the last ANALYZE than autovacuum_analyze_threshold plus
//     autovacuum_analyze_scale_factor times the table's rows
//     (keepStatistics). Among processes, one at a time does it. A
//     generation being built fills its tables in a rush and is analyzed
//     before the switch anyway, so its tables are analyzed by a looser
//     rule, once they have doubled (scale factor 1), enough to keep the
//     plans of its batches sound as it grows. (ANALYZE took about a tenth
//     of PostgreSQL's CPU in a perf sample of a rebuild, 2026-12-05.)

// staleReadModels lists the tables of the active and building generations
// whose statistics autovacuum's rule calls stale while autovacuum does not
// run for them, the most changed first.
const staleReadModels = `
SELECT format('%I.%I', s.schemaname, s.relname)
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
  JOIN projection.generations g ON g.schema_name = s.schemaname AND g.state IN ('active', 'building')
 WHERE (current_setting('autovacuum') = 'off' OR coalesce(c.reloptions, '{}') @> '{autovacuum_enabled=false}')
   AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
       + CASE WHEN g.state = 'building' THEN 1
              ELSE current_setting('autovacuum_analyze_scale_factor')::float8 END * greatest(c.reltuples, 0)
 ORDER BY s.n_mod_since_analyze DESC`

// analyzeLockName names the advisory lock that lets one process at a time
// analyze read models.
const analyzeLockName = "engine:analyze"

// analyzeLockTimeout bounds how long an ANALYZE waits for its table's lock
// (a switch dropping the old generation, a deferred index being built): it
// is tried again next round rather than queued in front of them.
const analyzeLockTimeout = time.Second

// keepStatistics analyzes the stale read-model tables every
// Config.AnalyzeInterval until ctx ends.
func (e *Engine) keepStatistics(ctx context.Context) {
	t := time.NewTicker(e.cfg.AnalyzeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.analyzeStale(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("engine: analyze read models", "err", err)
		}
	}
}

// analyzeStale analyzes each table staleReadModels lists, unless another
// process is analyzing.
func (e *Engine) analyzeStale(ctx context.Context) error {
	rows, err := e.pool.Query(ctx, staleReadModels)
	if err != nil {
		return fmt.Errorf("find stale statistics: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find stale statistics: %w", err)
	}
	for _, table := range tables {
		done, err := e.analyze(ctx, table, true)
		if err != nil {
			// A table whose generation was dropped since it was listed is
			// no failure; anything else is tried again next round.
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "42P01" /* undefined_table */ {
				continue
			}
			e.log.Warn("engine: analyze failed", "table", table, "err", err)
			continue
		}
		if !done {
			return nil // another process is analyzing
		}
	}
	return nil
}

// analyzeGeneration analyzes every table of a generation's schema, before
// it serves.
func (e *Engine) analyzeGeneration(ctx context.Context, schema string) error {
	var tables []string
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		names, err := listRelations(ctx, tx, schema, "'r'")
		for _, n := range names {
			tables = append(tables, pgx.Identifier{schema, n}.Sanitize())
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, table := range tables {
		if _, err := e.analyze(ctx, table, false); err != nil {
			return err
		}
	}
	return nil
}

// analyze runs ANALYZE on table (a quoted, qualified name). With exclusive it
// first takes the analyze lock, and reports false, having done nothing, when
// another process holds it.
func (e *Engine) analyze(ctx context.Context, table string, exclusive bool) (bool, error) {
	start := time.Now()
	done := true
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if exclusive {
			if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", lockKey(analyzeLockName)).Scan(&done); err != nil || !done {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", fmt.Sprintf("%dms", analyzeLockTimeout.Milliseconds())); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "ANALYZE "+table)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("engine: analyze %s: %w", table, err)
	}
	if done {
		e.log.Info("engine: analyzed", "table", table, "took", time.Since(start).String())
	}
	return done, nil
}
