package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
)

// rowsProjector keeps one row per event in a table that autovacuum leaves
// alone whatever the server's setting, as every table is on a server with
// autovacuum off.
type rowsProjector struct{ name string }

func (p rowsProjector) Name() string          { return p.name }
func (rowsProjector) Version() int            { return 1 }
func (rowsProjector) Filter() eventlog.Filter { return eventlog.Filter{} }
func (rowsProjector) Schema() string {
	return `CREATE TABLE items (event_id text PRIMARY KEY) WITH (autovacuum_enabled = false);`
}
func (rowsProjector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	_, err := tx.Exec(ctx, `INSERT INTO items (event_id) VALUES ($1)`, env.Recorded.ID)
	return err
}

// analyzedRows is what pg_class holds of a table's rows (-1: never
// analyzed), and whether pg_stat_user_tables saw an ANALYZE of it.
func analyzedRows(t *testing.T, pool *pgxpool.Pool, table string) (rows float64, analyzed bool) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `
SELECT c.reltuples, s.last_analyze IS NOT NULL
  FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.oid = $1::regclass`, table).Scan(&rows, &analyzed)
	if err != nil {
		t.Fatal(err)
	}
	return rows, analyzed
}

// TestReadModelsAreAnalyzedWhereAutovacuumIsNot: a read model that grew past
// autovacuum's analyze threshold gets its planner statistics from the
// engine, where autovacuum does not run for it.
func TestReadModelsAreAnalyzedWhereAutovacuumIsNot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := testConfig()
	cfg.AnalyzeInterval = 100 * time.Millisecond
	eng := newEngine(t, e, cfg, rowsProjector{name: "grown"})
	start(t, eng)
	head := appendN(t, e.store, "grown-1", "Drawn_v1", 400)
	if err := eng.WaitFor(context.Background(), head); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL publishes a writer's row counts within about 10 s of its
	// last write (its idle flush). The engine may analyze while the 400
	// rows are still being applied, and then, by autovacuum's rule, not
	// again for a remainder below autovacuum's threshold (50 rows plus 10 %
	// of those analyzed by default): statistics that close are current by
	// that rule, as autovacuum would leave them.
	var threshold, scale float64
	if err := e.pool.QueryRow(context.Background(), `
SELECT current_setting('autovacuum_analyze_threshold')::float8,
       current_setting('autovacuum_analyze_scale_factor')::float8`).Scan(&threshold, &scale); err != nil {
		t.Fatal(err)
	}
	eventually(t, 40*time.Second, "grown__g1.items analyzed with its 400 rows, within autovacuum's threshold", func() bool {
		rows, analyzed := analyzedRows(t, e.pool, "grown__g1.items")
		return analyzed && rows <= 400 && 400-rows <= threshold+scale*rows
	})
}

// TestRebuiltGenerationIsAnalyzedBeforeTheSwitch: a rebuilt generation,
// filled in one go, serves with statistics of what it holds from its first
// query, even with the periodic analysis off.
func TestRebuiltGenerationIsAnalyzedBeforeTheSwitch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cfg := testConfig()
	cfg.AnalyzeInterval = -1
	eng := newEngine(t, e, cfg, rowsProjector{name: "rebuilt"})
	start(t, eng)
	head := appendN(t, e.store, "rebuilt-1", "Drawn_v1", 300)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if err := eng.Rebuild(ctx, "rebuilt"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "switch to generation 2", func() bool {
		st := statusOf(t, eng, "rebuilt")
		return st.ActiveGeneration == 2 && !st.Rebuilding
	})
	if rows, analyzed := analyzedRows(t, e.pool, "rebuilt__g2.items"); !analyzed || rows != 300 {
		t.Fatalf("generation 2 switched to with statistics of %v rows (analyzed: %v), want 300", rows, analyzed)
	}
}
