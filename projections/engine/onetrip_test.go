package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/pgtest"
)

// TestOneTripTxChecksTheCheckpointOnTheServer: a batch sent in one round
// trip writes its statements and checkpoint only when the checkpoint is
// where the run left it; when another writer moved it, or the generation
// is gone, nothing of the batch is written and the error says which. Its
// statements name tables without a schema (the lock sets the generation's
// search_path), also on a connection that never prepared them.
func TestOneTripTxChecksTheCheckpointOnTheServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`CREATE SCHEMA onetrip__g1`,
		`CREATE TABLE onetrip__g1.rows (n int PRIMARY KEY)`,
		`INSERT INTO projection.checkpoints (name, commit_pos, prepare_pos) VALUES ('onetrip__g1', 10, 10)`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	rows := func() (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM onetrip__g1.rows`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	checkpoint := func() (c int64) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT commit_pos FROM projection.checkpoints WHERE name = 'onetrip__g1'`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	batch := func(cp uint64, n int, to int64) error {
		tx := newOneTripTx(pool, "onetrip__g1", eventlog.Position{Commit: cp, Prepare: cp})
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO rows (n) VALUES ($1)`, n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projection.checkpoints SET commit_pos = $1, prepare_pos = $1 WHERE name = 'onetrip__g1'`, to); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}

	// Every connection of the pool prepares the statements for the first
	// time here, without the generation's search_path.
	if err := batch(10, 1, 11); err != nil {
		t.Fatalf("first batch: %v", err)
	}
	if rows() != 1 || checkpoint() != 11 {
		t.Fatalf("after the first batch: %d rows, checkpoint %d; want 1 row, 11", rows(), checkpoint())
	}
	// A run that still believes the checkpoint is at 10.
	var moved *checkpointMovedError
	if err := batch(10, 2, 12); !errors.As(err, &moved) {
		t.Fatalf("batch on a moved checkpoint: %v, want a checkpointMovedError", err)
	}
	if rows() != 1 || checkpoint() != 11 {
		t.Fatalf("after the refused batch: %d rows, checkpoint %d; want 1 row, 11", rows(), checkpoint())
	}
	if err := batch(11, 2, 12); err != nil {
		t.Fatalf("batch on the right checkpoint: %v", err)
	}
	// A failing statement: nothing written, a pipelineError.
	if err := batch(12, 2, 13); !isPipelineError(err) {
		t.Fatalf("duplicate row: %v, want a pipelineError", err)
	}
	if rows() != 2 || checkpoint() != 12 {
		t.Fatalf("after the failed batch: %d rows, checkpoint %d; want 2 rows, 12", rows(), checkpoint())
	}
	// The generation is gone.
	if _, err := pool.Exec(ctx, `DELETE FROM projection.checkpoints WHERE name = 'onetrip__g1'`); err != nil {
		t.Fatal(err)
	}
	var gone *generationGoneError
	if err := batch(12, 3, 13); !errors.As(err, &gone) {
		t.Fatalf("batch of a dropped generation: %v, want a generationGoneError", err)
	}
	if rows() != 2 {
		t.Fatalf("the dropped generation's batch wrote a row")
	}
	// Every connection went back to the pool idle.
	if st := pool.Stat(); st.AcquiredConns() != 0 {
		t.Fatalf("%d connections still acquired", st.AcquiredConns())
	}
}

// TestRebuildMaxBatch: a generation being built batches up to
// RebuildMaxBatch events, an active one up to MaxBatch, and MaxBatch 1
// disables batching for both.
func TestRebuildMaxBatch(t *testing.T) {
	for _, tc := range []struct {
		max, rebuild          int
		wantActive, wantBuilt int
	}{
		{500, 2000, 500, 2000},
		{500, 100, 500, 500},
		{1, 2000, 1, 1},
	} {
		e := &Engine{cfg: Config{MaxBatch: tc.max, RebuildMaxBatch: tc.rebuild}}
		if got := e.maxBatch(&genRun{active: true}); got != tc.wantActive {
			t.Errorf("MaxBatch %d, RebuildMaxBatch %d: active %d, want %d", tc.max, tc.rebuild, got, tc.wantActive)
		}
		if got := e.maxBatch(&genRun{}); got != tc.wantBuilt {
			t.Errorf("MaxBatch %d, RebuildMaxBatch %d: building %d, want %d", tc.max, tc.rebuild, got, tc.wantBuilt)
		}
	}
}
