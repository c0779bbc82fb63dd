package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// generation is a row of projection.generations.
type generation struct {
	Projection string
	Number     int
	Version    int
	Schema     string
	State      string
}

// generationSchema is the schema of generation n of a projector.
func generationSchema(name string, n int) string { return fmt.Sprintf("%s__g%d", name, n) }

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loadGenerations returns the active and the building generation of a projector.
func loadGenerations(ctx context.Context, q querier, name string) (active, building *generation, err error) {
	rows, err := q.Query(ctx, `
SELECT projection, generation, version, schema_name, state
  FROM projection.generations
 WHERE projection = $1 AND state IN ('active', 'building')`, name)
	if err != nil {
		return nil, nil, fmt.Errorf("engine: load generations of %s: %w", name, err)
	}
	gens, err := pgx.CollectRows(rows, pgx.RowToStructByPos[generation])
	if err != nil {
		return nil, nil, fmt.Errorf("engine: load generations of %s: %w", name, err)
	}
	for i := range gens {
		if gens[i].State == "active" {
			active = &gens[i]
		} else {
			building = &gens[i]
		}
	}
	return active, building, nil
}

// lockGenerations serializes every change to a projector's generations
// across processes, until the transaction ends.
func lockGenerations(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(genLockName(name)))
	return err
}

// ensureGeneration makes sure the projector has what this process's version
// needs: a first generation (active at once), or, when the active one has an
// older version, a generation of this version being built beside it. A
// process whose version is older than the active one's does nothing: it is
// being replaced.
func (e *Engine) ensureGeneration(ctx context.Context, p Projector) error {
	if err := e.ready(ctx); err != nil {
		return err
	}
	name, version := p.Name(), p.Version()
	changed := false
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if err := lockGenerations(ctx, tx, name); err != nil {
			return err
		}
		active, building, err := loadGenerations(ctx, tx, name)
		if err != nil {
			return err
		}
		switch {
		case active == nil:
			if building != nil {
				if err := dropGeneration(ctx, tx, *building); err != nil {
					return err
				}
			}
			changed = true
			_, err := e.createGeneration(ctx, tx, p, true)
			return err
		case active.Version > version:
			e.log.Warn("engine: this process's projector is older than the active generation; leaving it to newer processes",
				"projection", name, "version", version, "active_version", active.Version)
			return nil
		case active.Version == version:
			return nil
		}
		// active.Version < version: build this version beside it.
		if building != nil {
			if building.Version >= version {
				return nil
			}
			if err := dropGeneration(ctx, tx, *building); err != nil {
				return err
			}
		}
		changed = true
		_, err = e.createGeneration(ctx, tx, p, false)
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: ensure generation of %s: %w", name, err)
	}
	if changed {
		e.signals[name].gen.fire()
	}
	return nil
}

// Rebuild starts building a new generation of the projector from position 0
// beside the active one, which keeps serving until the new one has caught up;
// then the views switch to it in one transaction and the old schema is
// dropped (blue/green). It returns once the generation exists; whichever
// process holds the projector's build lock builds it. A rebuild already in
// progress for this version is left alone (Rebuild returns nil).
func (e *Engine) Rebuild(ctx context.Context, name string) error {
	p, ok := e.byName[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	if err := e.ready(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if err := lockGenerations(ctx, tx, name); err != nil {
			return err
		}
		active, building, err := loadGenerations(ctx, tx, name)
		if err != nil {
			return err
		}
		if active != nil && active.Version > p.Version() {
			return fmt.Errorf("active generation has version %d, newer than this process's %d", active.Version, p.Version())
		}
		if building != nil {
			if building.Version == p.Version() {
				return nil
			}
			if err := dropGeneration(ctx, tx, *building); err != nil {
				return err
			}
		}
		_, err = e.createGeneration(ctx, tx, p, active == nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: rebuild %s: %w", name, err)
	}
	e.signals[name].gen.fire()
	return nil
}

// createGeneration creates the next generation of p in tx (whose caller holds
// the generations lock): its schema and tables, its row and its checkpoint
// (at the start of the log). An active generation also gets its views.
func (e *Engine) createGeneration(ctx context.Context, tx pgx.Tx, p Projector, active bool) (generation, error) {
	name := p.Name()
	var n int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(generation), 0) + 1 FROM projection.generations WHERE projection = $1`, name).Scan(&n); err != nil {
		return generation{}, err
	}
	g := generation{Projection: name, Number: n, Version: p.Version(), Schema: generationSchema(name, n), State: "building"}
	if active {
		g.State = "active"
	}
	schema := pgx.Identifier{g.Schema}.Sanitize()
	// A schema left behind by a crash between DDL and row cannot exist (one
	// transaction), but one made by hand could: start clean.
	if _, err := tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		return generation{}, fmt.Errorf("create schema %s: %w", g.Schema, err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", schema); err != nil {
		return generation{}, err
	}
	if ddl := p.Schema(); ddl != "" {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return generation{}, fmt.Errorf("schema of %s (version %d): %w", name, g.Version, err)
		}
	}
	if di, ok := p.(DeferredIndexes); ok && active {
		if _, err := tx.Exec(ctx, di.Indexes()); err != nil {
			return generation{}, fmt.Errorf("indexes of %s (version %d): %w", name, g.Version, err)
		}
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", Schema); err != nil {
		return generation{}, err
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO projection.generations (projection, generation, version, schema_name, state, activated_at)
VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'active' THEN now() END)`,
		name, g.Number, g.Version, g.Schema, g.State); err != nil {
		return generation{}, err
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO projection.checkpoints (name, commit_pos, prepare_pos) VALUES ($1, 0, 0)
ON CONFLICT (name) DO UPDATE SET commit_pos = 0, prepare_pos = 0, updated_at = now()`, g.Schema); err != nil {
		return generation{}, err
	}
	if active {
		if err := replaceViews(ctx, tx, name, g.Schema); err != nil {
			return generation{}, err
		}
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", CheckpointChannel, checkpointNotice(name, g.Number, eventlog.Start)); err != nil {
			return generation{}, err
		}
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", ControlChannel, "generation "+name); err != nil {
		return generation{}, err
	}
	e.log.Info("engine: generation created", "projection", name, "generation", g.Schema, "version", g.Version, "state", g.State)
	return g, nil
}

// dropGeneration removes a generation that is not active: schema, checkpoint,
// parked events; its row is kept as retired.
func dropGeneration(ctx context.Context, tx pgx.Tx, g generation) error {
	if _, err := tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{g.Schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("drop %s: %w", g.Schema, err)
	}
	if _, err := tx.Exec(ctx, `
WITH c AS (DELETE FROM projection.checkpoints WHERE name = $3),
     p AS (DELETE FROM projection.parked WHERE consumer = $3)
UPDATE projection.generations SET state = 'retired', retired_at = now()
 WHERE projection = $1 AND generation = $2`, g.Projection, g.Number, g.Schema); err != nil {
		return fmt.Errorf("retire %s: %w", g.Schema, err)
	}
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", ControlChannel, "generation "+g.Projection)
	return err
}

// replaceViews points the read schema's views at the generation's tables:
// "<read>.<table>" = SELECT * FROM "<gen>.<table>" for every table of the
// generation. A view whose columns still fit is replaced in place (same
// object, so readers never miss it); otherwise it is dropped and created.
// Views of tables the generation no longer has are dropped.
func replaceViews(ctx context.Context, tx pgx.Tx, read, gen string) error {
	readID := pgx.Identifier{read}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+readID); err != nil {
		return fmt.Errorf("create schema %s: %w", read, err)
	}
	tables, err := listRelations(ctx, tx, gen, "'r', 'p'")
	if err != nil {
		return err
	}
	views, err := listRelations(ctx, tx, read, "'v'")
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, t := range tables {
		keep[t] = true
	}
	for _, v := range views {
		if !keep[v] {
			if _, err := tx.Exec(ctx, "DROP VIEW "+pgx.Identifier{read, v}.Sanitize()); err != nil {
				return fmt.Errorf("drop view %s.%s: %w", read, v, err)
			}
		}
	}
	existing := map[string]bool{}
	for _, v := range views {
		existing[v] = true
	}
	for _, t := range tables {
		view := pgx.Identifier{read, t}.Sanitize()
		def := " AS SELECT * FROM " + pgx.Identifier{gen, t}.Sanitize()
		if existing[t] {
			if _, err := tx.Exec(ctx, "SAVEPOINT replace_view"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "CREATE OR REPLACE VIEW "+view+def); err == nil {
				if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT replace_view"); err != nil {
					return err
				}
				continue
			}
			// The columns changed: replace the view object.
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT replace_view; DROP VIEW "+view); err != nil {
				return fmt.Errorf("drop view %s.%s: %w", read, t, err)
			}
		}
		if _, err := tx.Exec(ctx, "CREATE VIEW "+view+def); err != nil {
			return fmt.Errorf("create view %s.%s: %w", read, t, err)
		}
	}
	return nil
}

func listRelations(ctx context.Context, tx pgx.Tx, schema, kinds string) ([]string, error) {
	rows, err := tx.Query(ctx, `
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relkind IN (`+kinds+`) ORDER BY c.relname`, schema)
	if err != nil {
		return nil, fmt.Errorf("list relations of %s: %w", schema, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list relations of %s: %w", schema, err)
	}
	return names, nil
}

// buildDeferredIndexes creates the deferred indexes of r's generation (see
// DeferredIndexes), which has caught up, once per run: a switch attempt that
// fails after it does not take the tables' locks again. Until they are built
// the runner's writes wait (CREATE INDEX locks the table against them).
func (e *Engine) buildDeferredIndexes(ctx context.Context, r *genRun) error {
	di, ok := r.p.(DeferredIndexes)
	if !ok || r.indexed {
		return nil
	}
	start := time.Now()
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", pgx.Identifier{r.gen.Schema}.Sanitize()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, di.Indexes())
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: indexes of %s: %w", r.gen.Schema, err)
	}
	r.indexed = true
	e.log.Info("engine: deferred indexes built", "projection", r.name, "generation", r.gen.Schema, "took", time.Since(start).String())
	return nil
}

// switchLoop checks, while a generation is being built, whether it has caught
// up, and switches to it when it has; then it stops the build run.
func (e *Engine) switchLoop(ctx context.Context, stop context.CancelFunc, r *genRun) {
	t := time.NewTicker(e.cfg.SwitchCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		switched, err := e.trySwitch(ctx, r)
		if err != nil {
			var gone *generationGoneError
			if errors.As(err, &gone) {
				stop()
				return
			}
			if ctx.Err() == nil {
				e.log.Warn("engine: switch failed; will try again", "projection", r.name, "generation", r.gen.Schema, "err", err)
			}
			continue
		}
		if switched {
			r.switched.Store(true)
			stop()
			return
		}
	}
}

// nearHead is how many events a building generation may still be behind the
// head for a switch to be tried (it then waits, up to SwitchWait, for it to
// reach the head).
const nearHead = 200

// trySwitch makes r's generation the active one if it has caught up: it holds
// the generations lock and the active generation's checkpoint row (so the old
// generation stands still), reads the head of the log, and waits up to
// SwitchWait for the new generation's checkpoint to reach it. Then, in the
// same transaction, the views move to the new tables, the old generation is
// retired and its schema dropped.
func (e *Engine) trySwitch(ctx context.Context, r *genRun) (bool, error) {
	name := r.name
	active, building, err := loadGenerations(ctx, e.pool, name)
	if err != nil {
		return false, err
	}
	if building == nil || building.Schema != r.gen.Schema {
		return false, &generationGoneError{consumer: r.gen.Schema}
	}
	cpNew, err := e.Checkpoint(ctx, r.gen.Schema)
	if err != nil {
		return false, err
	}
	if active != nil {
		cpOld, err := e.Checkpoint(ctx, active.Schema)
		if err != nil {
			return false, err
		}
		if cpNew.Less(cpOld) {
			return false, nil
		}
	}
	ahead, err := e.store.ReadAll(ctx, eventlog.ReadAllOptions{After: cpNew, Max: nearHead + 1})
	if err != nil {
		return false, err
	}
	if len(ahead) > nearHead {
		return false, nil
	}
	if err := e.buildDeferredIndexes(ctx, r); err != nil {
		return false, err
	}
	if !r.analyzed { // its queries are planned from real statistics at once (analyze.go)
		if err := e.analyzeGeneration(ctx, r.gen.Schema); err != nil {
			return false, err
		}
		r.analyzed = true
	}

	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Readers of the old views and the old runner wait for this transaction;
	// do not let it wait for them forever.
	if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", fmt.Sprintf("%dms", e.cfg.SwitchWait.Milliseconds())); err != nil {
		return false, err
	}
	if err := lockGenerations(ctx, tx, name); err != nil {
		return false, err
	}
	active, building, err = loadGenerations(ctx, tx, name)
	if err != nil {
		return false, err
	}
	if building == nil || building.Schema != r.gen.Schema {
		return false, &generationGoneError{consumer: r.gen.Schema}
	}
	if active != nil {
		// The old generation stands still from here on.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM projection.checkpoints WHERE name = $1 FOR UPDATE`, active.Schema); err != nil {
			return false, err
		}
	}
	head, err := e.head(ctx, cpNew)
	if err != nil {
		return false, err
	}
	deadline := time.Now().Add(e.cfg.SwitchWait)
	for {
		wake := r.progress.wait()
		var c, p int64
		if err := tx.QueryRow(ctx, `SELECT commit_pos, prepare_pos FROM projection.checkpoints WHERE name = $1`, r.gen.Schema).Scan(&c, &p); err != nil {
			return false, err
		}
		cpNew = position(c, p)
		if !cpNew.Less(head) {
			break
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		select { // the events left may all be filtered out: ask for progress
		case r.nudge <- struct{}{}:
		default:
		}
		t := time.NewTimer(min(left, 20*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
	if err := replaceViews(ctx, tx, name, r.gen.Schema); err != nil {
		return false, err
	}
	if active != nil {
		if err := dropGeneration(ctx, tx, *active); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec(ctx, `
UPDATE projection.generations SET state = 'active', activated_at = now()
 WHERE projection = $1 AND generation = $2`, name, r.gen.Number); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2), pg_notify($3, $4)",
		CheckpointChannel, checkpointNotice(name, r.gen.Number, cpNew), ControlChannel, "generation "+name); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, err
	}
	e.log.Info("engine: switched to rebuilt generation", "projection", name, "generation", r.gen.Schema, "checkpoint", cpNew.String())
	e.hub.update(name, r.gen.Number, cpNew)
	e.signals[name].gen.fire()
	return true, nil
}
