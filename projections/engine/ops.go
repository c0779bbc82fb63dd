package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// EventCounter is an optional capability of the event store: the number of
// events in (after, upTo]. Without it Status counts lag by reading at most
// LagScanLimit events.
type EventCounter interface {
	CountAll(ctx context.Context, after, upTo eventlog.Position) (uint64, error)
}

// LagScanLimit caps the lag Status counts by reading the log (when the store
// is not an EventCounter).
const LagScanLimit = 1000

const headScanPage = 500

// head returns the position of the last event of the log, which is at or
// after from.
func (e *Engine) head(ctx context.Context, from eventlog.Position) (eventlog.Position, error) {
	// Without eventlog.HeadReader the engine finds the head by reading the log
	// forwards from the highest checkpoint.
	if hr, ok := eventlog.Capability[eventlog.HeadReader](e.store); ok {
		h, err := hr.Head(ctx)
		if err != nil {
			return eventlog.Position{}, fmt.Errorf("engine: head: %w", err)
		}
		if h.Less(from) {
			return from, nil
		}
		return h, nil
	}
	p := from
	for {
		page, err := e.store.ReadAll(ctx, eventlog.ReadAllOptions{After: p, Max: headScanPage})
		if err != nil {
			return eventlog.Position{}, fmt.Errorf("engine: head: %w", err)
		}
		if len(page) > 0 {
			p = page[len(page)-1].Position
		}
		if len(page) < headScanPage {
			return p, nil
		}
	}
}

// lag counts the events in (after, upTo]; capped reports that the count
// stopped at LagScanLimit.
func (e *Engine) lag(ctx context.Context, after, upTo eventlog.Position) (n uint64, capped bool, err error) {
	if !after.Less(upTo) {
		return 0, false, nil
	}
	if c, ok := eventlog.Capability[EventCounter](e.store); ok {
		n, err := c.CountAll(ctx, after, upTo)
		return n, false, err
	}
	page, err := e.store.ReadAll(ctx, eventlog.ReadAllOptions{After: after, Max: LagScanLimit})
	if err != nil {
		return 0, false, err
	}
	for _, ev := range page {
		if upTo.Less(ev.Position) {
			return n, false, nil
		}
		n++
	}
	return n, len(page) == LagScanLimit, nil
}

// Status describes one consumer of the engine for operators.
type Status struct {
	Name string
	// Kind is what the consumer is. Projectors have every field but the
	// jobs'; reactions have Checkpoint, Head, Lag, Parked, RunningHere and
	// LastError; jobs have Every, LastRun, NextRun, Runs, Failures,
	// RunningHere and LastError.
	Kind Kind
	// Version is the projector's version in this process.
	Version int
	// ActiveGeneration is the number of the generation the views show (0:
	// none yet); ActiveVersion its version; Checkpoint its checkpoint (a
	// reaction's own checkpoint).
	ActiveGeneration int
	ActiveVersion    int
	Checkpoint       eventlog.Position
	// Head is the position of the last event of the log.
	Head eventlog.Position
	// Lag is the number of events after Checkpoint up to Head; LagCapped
	// says that counting stopped at LagScanLimit.
	Lag       uint64
	LagCapped bool
	// Parked is the number of parked events of the consumer (of all
	// generations of a projector).
	Parked int
	// Rebuilding tells that a generation is being built beside the active
	// one; RebuildGeneration, RebuildVersion and RebuildCheckpoint describe it.
	Rebuilding        bool
	RebuildGeneration int
	RebuildVersion    int
	RebuildCheckpoint eventlog.Position
	// RunningHere tells that this process runs the consumer (a projector's
	// active generation).
	RunningHere bool
	// LastError is the last error this process's run of the consumer
	// stopped with, cleared when it runs again; for a job, the error of its
	// last run in whichever process (empty when it succeeded), or else this
	// process's.
	LastError string

	// Every is a job's interval; LastRun when its last run started (zero:
	// never) and LastRunEnded when it ended (zero while it runs, and when
	// it never ran); NextRun when the next is due; Runs and Failures count
	// its runs in every process.
	Every        time.Duration
	LastRun      time.Time
	LastRunEnded time.Time
	NextRun      time.Time
	Runs         int64
	Failures     int64
}

// Status reports every consumer of the Engine: its projectors, then its
// reactions, then its jobs, each in the order given to New.
func (e *Engine) Status(ctx context.Context) ([]Status, error) {
	if err := e.ready(ctx); err != nil {
		return nil, err
	}
	rows, err := e.pool.Query(ctx, `
SELECT g.projection, g.generation, g.version, g.state, coalesce(c.commit_pos, 0), coalesce(c.prepare_pos, 0)
  FROM projection.generations g
  LEFT JOIN projection.checkpoints c ON c.name = g.schema_name
 WHERE g.projection = ANY($1) AND g.state IN ('active', 'building')`, e.names)
	if err != nil {
		return nil, fmt.Errorf("engine: status: %w", err)
	}
	out := make([]Status, 0, len(e.kinds))
	idx := map[string]int{}
	for _, p := range e.projectors {
		idx[p.Name()] = len(out)
		out = append(out, Status{Name: p.Name(), Kind: KindProjector, Version: p.Version()})
	}
	var reactionNames []string
	for _, rc := range e.reactions {
		idx[rc.re.Name] = len(out)
		reactionNames = append(reactionNames, rc.re.Name)
		out = append(out, Status{Name: rc.re.Name, Kind: KindReaction})
	}
	var jobNames []string
	for _, j := range e.jobs {
		idx[j.Name] = len(out)
		jobNames = append(jobNames, j.Name)
		out = append(out, Status{Name: j.Name, Kind: KindJob, Every: j.Every})
	}
	var (
		name, state        string
		number, version    int
		commitPos, prepPos int64
		highest            eventlog.Position
	)
	_, err = pgx.ForEachRow(rows, []any{&name, &number, &version, &state, &commitPos, &prepPos}, func() error {
		s := &out[idx[name]]
		cp := position(commitPos, prepPos)
		if highest.Less(cp) {
			highest = cp
		}
		if state == "active" {
			s.ActiveGeneration, s.ActiveVersion, s.Checkpoint = number, version, cp
		} else {
			s.Rebuilding, s.RebuildGeneration, s.RebuildVersion, s.RebuildCheckpoint = true, number, version, cp
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: status: %w", err)
	}
	rows, err = e.pool.Query(ctx, `SELECT name, commit_pos, prepare_pos FROM projection.checkpoints WHERE name = ANY($1)`, reactionNames)
	if err != nil {
		return nil, fmt.Errorf("engine: status: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&name, &commitPos, &prepPos}, func() error {
		cp := position(commitPos, prepPos)
		if highest.Less(cp) {
			highest = cp
		}
		out[idx[name]].Checkpoint = cp
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: status: %w", err)
	}
	all := append(slices.Clone(e.names), reactionNames...)
	rows, err = e.pool.Query(ctx, `SELECT projection, count(*) FROM projection.parked WHERE projection = ANY($1) GROUP BY projection`, all)
	if err != nil {
		return nil, fmt.Errorf("engine: status: %w", err)
	}
	var count int
	_, err = pgx.ForEachRow(rows, []any{&name, &count}, func() error {
		out[idx[name]].Parked = count
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: status: %w", err)
	}
	jobs, err := loadJobs(ctx, e.pool, jobNames)
	if err != nil {
		return nil, err
	}
	head, err := e.head(ctx, highest)
	if err != nil {
		return nil, err
	}
	e.runMu.Lock()
	for r := range e.runs {
		if r.active {
			out[idx[r.name]].RunningHere = true
		}
	}
	for n := range e.reacting {
		out[idx[n]].RunningHere = true
	}
	for n := range e.leading {
		out[idx[n]].RunningHere = true
	}
	for n, msg := range e.lastErr {
		out[idx[n]].LastError = msg
	}
	e.runMu.Unlock()
	for i := range out {
		s := &out[i]
		if s.Kind == KindJob {
			jr := jobs[s.Name]
			if jr.lastStarted != nil {
				s.LastRun, s.NextRun = *jr.lastStarted, jr.lastStarted.Add(s.Every)
				if jr.lastFinished != nil && !jr.lastFinished.Before(*jr.lastStarted) {
					s.LastRunEnded = *jr.lastFinished
				}
			}
			if jr.lastError != nil {
				s.LastError = *jr.lastError
			}
			s.Runs, s.Failures = jr.runs, jr.failures
			continue
		}
		s.Head = head
		s.Lag, s.LagCapped, err = e.lag(ctx, s.Checkpoint, head)
		if err != nil {
			return nil, fmt.Errorf("engine: status: lag of %s: %w", s.Name, err)
		}
	}
	return out, nil
}

// ResetCheckpoint moves the active generation's checkpoint of a projector,
// or a reaction's checkpoint, to pos; its runner (in whichever process)
// restarts from there. Moving it back applies events again, so it suits
// projectors whose Apply is idempotent (Rebuild is the safe way to start
// over) and reactions whose side effects may happen again (a reaction's
// effects are not undone). Moving it forward skips events. WaitFor does not
// go back with it: the read model still holds the events up to where the
// checkpoint was.
func (e *Engine) ResetCheckpoint(ctx context.Context, name string, pos eventlog.Position) error {
	k, err := e.known(name)
	if err != nil {
		return err
	}
	if err := e.ready(ctx); err != nil {
		return err
	}
	switch k {
	case KindReaction:
		return e.resetReaction(ctx, name, pos)
	case KindJob:
		return fmt.Errorf("engine: reset checkpoint of %s: a job has no checkpoint", name)
	}
	var gen int
	err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if err := lockGenerations(ctx, tx, name); err != nil {
			return err
		}
		active, _, err := loadGenerations(ctx, tx, name)
		if err != nil {
			return err
		}
		if active == nil {
			return errors.New("no active generation")
		}
		gen = active.Number
		if _, err := tx.Exec(ctx, `UPDATE projection.checkpoints SET commit_pos = $2, prepare_pos = $3, updated_at = now() WHERE name = $1`,
			active.Schema, int64(pos.Commit), int64(pos.Prepare)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2), pg_notify($3, $4)",
			CheckpointChannel, checkpointNotice(name, gen, pos), ControlChannel, "reset "+name)
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: reset checkpoint of %s: %w", name, err)
	}
	e.hub.update(name, gen, pos) // forward only: see hubEntry
	e.signals[name].reset.fire()
	return nil
}

// resetReaction sets a reaction's checkpoint to pos and tells its runner,
// which stops without saving its progress (see saveReactionCheckpoint) and
// starts again from pos.
func (e *Engine) resetReaction(ctx context.Context, name string, pos eventlog.Position) error {
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
INSERT INTO projection.checkpoints (name, commit_pos, prepare_pos) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET commit_pos = EXCLUDED.commit_pos, prepare_pos = EXCLUDED.prepare_pos, updated_at = now()`,
			name, int64(pos.Commit), int64(pos.Prepare)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", ControlChannel, "reset "+name)
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: reset checkpoint of %s: %w", name, err)
	}
	e.signals[name].reset.fire()
	return nil
}
