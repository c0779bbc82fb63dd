package engine

import (
	"context"
	"errors"
	"fmt"
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

// Status describes one projector for operators.
type Status struct {
	Name string
	// Version is the projector's version in this process.
	Version int
	// ActiveGeneration is the number of the generation the views show (0:
	// none yet); ActiveVersion its version; Checkpoint its checkpoint.
	ActiveGeneration int
	ActiveVersion    int
	Checkpoint       eventlog.Position
	// Head is the position of the last event of the log.
	Head eventlog.Position
	// Lag is the number of events after Checkpoint up to Head; LagCapped
	// says that counting stopped at LagScanLimit.
	Lag       uint64
	LagCapped bool
	// Parked is the number of parked events of the projector (all generations).
	Parked int
	// Rebuilding tells that a generation is being built beside the active
	// one; RebuildGeneration, RebuildVersion and RebuildCheckpoint describe it.
	Rebuilding        bool
	RebuildGeneration int
	RebuildVersion    int
	RebuildCheckpoint eventlog.Position
	// RunningHere tells that this process runs the active generation.
	RunningHere bool
	// LastError is the last error this process's run of the projector
	// stopped with, cleared when it runs again.
	LastError string
}

// Status reports every projector of the Engine.
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
	out := make([]Status, len(e.projectors))
	idx := map[string]int{}
	for i, p := range e.projectors {
		out[i] = Status{Name: p.Name(), Version: p.Version()}
		idx[p.Name()] = i
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
	rows, err = e.pool.Query(ctx, `SELECT projection, count(*) FROM projection.parked WHERE projection = ANY($1) GROUP BY projection`, e.names)
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
	for n, msg := range e.lastErr {
		out[idx[n]].LastError = msg
	}
	e.runMu.Unlock()
	for i := range out {
		out[i].Head = head
		out[i].Lag, out[i].LagCapped, err = e.lag(ctx, out[i].Checkpoint, head)
		if err != nil {
			return nil, fmt.Errorf("engine: status: lag of %s: %w", out[i].Name, err)
		}
	}
	return out, nil
}

// ParkedEvent is an event that kept failing in a projector and was set aside.
type ParkedEvent struct {
	ID         int64
	Projection string
	// Consumer is the generation the event failed in ("<name>__g<N>").
	Consumer string
	Position eventlog.Position
	EventID  string
	StreamID string
	Type     string
	Error    string
	Attempts int
	ParkedAt time.Time
}

// ErrParkedNotFound is returned for an unknown parked event id.
var ErrParkedNotFound = errors.New("engine: parked event not found")

// Parked lists the parked events of a projector, oldest position first.
func (e *Engine) Parked(ctx context.Context, name string) ([]ParkedEvent, error) {
	if _, ok := e.byName[name]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	if err := e.ready(ctx); err != nil {
		return nil, err
	}
	rows, err := e.pool.Query(ctx, `
SELECT id, projection, consumer, commit_pos, prepare_pos, event_id, stream_id, event_type, error, attempts, parked_at
  FROM projection.parked WHERE projection = $1 ORDER BY commit_pos, prepare_pos, id`, name)
	if err != nil {
		return nil, fmt.Errorf("engine: parked: %w", err)
	}
	var out []ParkedEvent
	var pe ParkedEvent
	var c, p int64
	_, err = pgx.ForEachRow(rows, []any{&pe.ID, &pe.Projection, &pe.Consumer, &c, &p, &pe.EventID, &pe.StreamID, &pe.Type, &pe.Error, &pe.Attempts, &pe.ParkedAt}, func() error {
		pe.Position = position(c, p)
		out = append(out, pe)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: parked: %w", err)
	}
	return out, nil
}

// ReplayParked applies a parked event again now, to the generation it failed
// in; when that succeeds the event is no longer parked. Events after it were
// applied meanwhile, so the projector sees it out of order. When it fails
// again, the error and attempt count are recorded and the error returned.
func (e *Engine) ReplayParked(ctx context.Context, id int64) error {
	if err := e.ready(ctx); err != nil {
		return err
	}
	var (
		ev         eventlog.RecordedEvent
		projection string
		consumer   string
		c, p, vers int64
		genVersion int
	)
	err := e.pool.QueryRow(ctx, `
SELECT pk.projection, pk.consumer, pk.commit_pos, pk.prepare_pos, pk.event_id, pk.stream_id, pk.version,
       pk.event_type, pk.data, pk.metadata, pk.recorded_at, coalesce(g.version, 0)
  FROM projection.parked pk
  LEFT JOIN projection.generations g ON g.schema_name = pk.consumer AND g.state IN ('active', 'building')
 WHERE pk.id = $1`, id).Scan(&projection, &consumer, &c, &p, &ev.ID, &ev.StreamID, &vers, &ev.Type, &ev.Data, &ev.Metadata, &ev.RecordedAt, &genVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %d", ErrParkedNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("engine: replay parked %d: %w", id, err)
	}
	ev.Position, ev.Version = position(c, p), uint64(vers)
	proj, ok := e.byName[projection]
	if !ok {
		return fmt.Errorf("engine: replay parked %d: %w: %q", id, ErrUnknownProjection, projection)
	}
	if genVersion != proj.Version() {
		return fmt.Errorf("engine: replay parked %d: generation %s is gone or has version %d, not this process's %d", id, consumer, genVersion, proj.Version())
	}
	applyErr := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := lockCheckpoint(ctx, tx, consumer); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM projection.parked WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: %d", ErrParkedNotFound, id)
		}
		env, err := e.decoder.Decode(ev)
		if err != nil {
			return fmt.Errorf("decode %s (%s at %s): %w", ev.Type, ev.ID, ev.Position, err)
		}
		if err := proj.Apply(ctx, tx, env); err != nil {
			return fmt.Errorf("apply %s (%s at %s): %w", ev.Type, ev.ID, ev.Position, err)
		}
		return nil
	})
	if applyErr == nil {
		e.log.Info("engine: parked event replayed", "projection", projection, "id", id, "event_id", ev.ID)
		return nil
	}
	if errors.Is(applyErr, ErrParkedNotFound) {
		return applyErr
	}
	if _, err := e.pool.Exec(ctx, `UPDATE projection.parked SET error = $2, attempts = attempts + 1 WHERE id = $1`, id, applyErr.Error()); err != nil {
		return errors.Join(fmt.Errorf("engine: replay parked %d: %w", id, applyErr), err)
	}
	return fmt.Errorf("engine: replay parked %d: %w", id, applyErr)
}

// SkipParked gives up on a parked event: it is removed without being applied.
func (e *Engine) SkipParked(ctx context.Context, id int64) error {
	if err := e.ready(ctx); err != nil {
		return err
	}
	tag, err := e.pool.Exec(ctx, `DELETE FROM projection.parked WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("engine: skip parked %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %d", ErrParkedNotFound, id)
	}
	return nil
}

// ResetCheckpoint moves the active generation's checkpoint of a projector to
// pos; its runner (in whichever process) restarts from there. Moving it back
// applies events again, so it suits projectors whose Apply is idempotent;
// Rebuild is the safe way to start over. Moving it forward skips events.
func (e *Engine) ResetCheckpoint(ctx context.Context, name string, pos eventlog.Position) error {
	if _, ok := e.byName[name]; !ok {
		return fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	if err := e.ready(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
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
		if _, err := tx.Exec(ctx, `UPDATE projection.checkpoints SET commit_pos = $2, prepare_pos = $3, updated_at = now() WHERE name = $1`,
			active.Schema, int64(pos.Commit), int64(pos.Prepare)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2), pg_notify($3, $4)",
			CheckpointChannel, name+" "+pos.String()+" set", ControlChannel, "reset "+name)
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: reset checkpoint of %s: %w", name, err)
	}
	e.hub.update(name, pos, true)
	e.signals[name].reset.fire()
	return nil
}
