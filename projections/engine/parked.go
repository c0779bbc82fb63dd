package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Parked events: one table (projection.parked) for every consumer. A
// projector's rows name the generation the event failed in (Consumer); a
// reaction's name the reaction twice. Rows copied from the old mail tables
// have no event data; replaying them reads the event from the store.

// ParkedEvent is an event that kept failing in a consumer and was set aside.
type ParkedEvent struct {
	ID int64
	// Kind is KindProjector or KindReaction.
	Kind Kind
	// Projection is the name of the projector or reaction.
	Projection string
	// Consumer is the generation the event failed in ("<name>__g<N>"), or
	// the reaction's name.
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

// Parked lists the parked events of a consumer, or of every consumer when
// name is empty (those of consumers this engine does not run included),
// oldest position first. A job has none.
func (e *Engine) Parked(ctx context.Context, name string) ([]ParkedEvent, error) {
	if name != "" {
		if _, err := e.known(name); err != nil {
			return nil, err
		}
	}
	if err := e.ready(ctx); err != nil {
		return nil, err
	}
	rows, err := e.pool.Query(ctx, `
SELECT id, kind, projection, consumer, commit_pos, prepare_pos, event_id, stream_id, event_type, error, attempts, parked_at
  FROM projection.parked WHERE $1 = '' OR projection = $1 ORDER BY commit_pos, prepare_pos, id`, name)
	if err != nil {
		return nil, fmt.Errorf("engine: parked: %w", err)
	}
	var out []ParkedEvent
	var pe ParkedEvent
	var c, p int64
	_, err = pgx.ForEachRow(rows, []any{&pe.ID, &pe.Kind, &pe.Projection, &pe.Consumer, &c, &p, &pe.EventID, &pe.StreamID, &pe.Type, &pe.Error, &pe.Attempts, &pe.ParkedAt}, func() error {
		pe.Position = position(c, p)
		out = append(out, pe)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: parked: %w", err)
	}
	return out, nil
}

// parkedRow is a parked event with what replaying it needs.
type parkedRow struct {
	kind       Kind
	projection string
	consumer   string
	ev         eventlog.RecordedEvent
	// stored tells that the row holds the event's data and metadata.
	stored bool
}

// loadParked scans the parked event id from q, a query of parkedColumns.
func loadParked(ctx context.Context, q pgx.Row, id int64) (parkedRow, error) {
	var (
		pr         parkedRow
		c, p, vers int64
		stored     bool
		recordedAt *time.Time
	)
	err := q.Scan(&pr.kind, &pr.projection, &pr.consumer, &c, &p, &pr.ev.ID, &pr.ev.StreamID, &vers,
		&pr.ev.Type, &pr.ev.Data, &pr.ev.Metadata, &recordedAt, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return parkedRow{}, fmt.Errorf("%w: %d", ErrParkedNotFound, id)
	}
	if err != nil {
		return parkedRow{}, fmt.Errorf("engine: parked event %d: %w", id, err)
	}
	pr.ev.Position, pr.ev.Version, pr.stored = position(c, p), uint64(vers), stored
	if recordedAt != nil {
		pr.ev.RecordedAt = *recordedAt
	}
	return pr, nil
}

const parkedColumns = `kind, projection, consumer, commit_pos, prepare_pos, event_id, stream_id, coalesce(version, 0),
       event_type, data, metadata, recorded_at, data IS NOT NULL`

// storedEvent returns the parked event as recorded: from its row, or (rows
// copied from the old mail tables) from its stream in the store.
func (e *Engine) storedEvent(ctx context.Context, pr parkedRow) (eventlog.RecordedEvent, error) {
	if pr.stored {
		return pr.ev, nil
	}
	const page = 500
	for from := uint64(0); ; from += page {
		evs, err := e.store.ReadStream(ctx, pr.ev.StreamID, eventlog.ReadStreamOptions{From: from, Max: page})
		if err != nil {
			return eventlog.RecordedEvent{}, fmt.Errorf("engine: read parked event %s from %s: %w", pr.ev.ID, pr.ev.StreamID, err)
		}
		for _, ev := range evs {
			if ev.ID == pr.ev.ID {
				return ev, nil
			}
		}
		if len(evs) < page {
			return eventlog.RecordedEvent{}, fmt.Errorf("engine: parked event %s is not in %s", pr.ev.ID, pr.ev.StreamID)
		}
	}
}

// ReplayParked handles a parked event again now; when that succeeds the
// event is no longer parked. A projector's event is applied to the
// generation it failed in; a reaction's is handed to the reaction once more
// (opened for it when the reaction has Open). Events after it were handled
// meanwhile, so the consumer sees it out of order. When it fails again, the
// error and attempt count are recorded and the error returned.
func (e *Engine) ReplayParked(ctx context.Context, id int64) error {
	if err := e.ready(ctx); err != nil {
		return err
	}
	pr, err := loadParked(ctx, e.pool.QueryRow(ctx, `SELECT `+parkedColumns+` FROM projection.parked WHERE id = $1`, id), id)
	if err != nil {
		return err
	}
	var replayErr error
	if pr.kind == KindReaction {
		replayErr = e.replayReaction(ctx, id, pr)
	} else {
		replayErr = e.replayProjector(ctx, id, pr)
	}
	if replayErr == nil {
		e.log.Info("engine: parked event replayed", "consumer", pr.projection, "kind", string(pr.kind), "id", id, "event_id", pr.ev.ID)
		return nil
	}
	var refused *replayRefusedError
	if errors.Is(replayErr, ErrParkedNotFound) || errors.Is(replayErr, ErrUnknownProjection) || errors.As(replayErr, &refused) {
		return fmt.Errorf("engine: replay parked %d: %w", id, replayErr)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE projection.parked SET error = $2, attempts = attempts + 1 WHERE id = $1`, id, replayErr.Error()); err != nil {
		return errors.Join(fmt.Errorf("engine: replay parked %d: %w", id, replayErr), err)
	}
	return fmt.Errorf("engine: replay parked %d: %w", id, replayErr)
}

// replayRefusedError is a replay this process cannot do: the parked row
// stays as it is.
type replayRefusedError struct{ reason string }

func (e *replayRefusedError) Error() string { return e.reason }

// replayProjector applies a projector's parked event to the generation it
// failed in and removes it, in one transaction.
func (e *Engine) replayProjector(ctx context.Context, id int64, pr parkedRow) error {
	proj, ok := e.byName[pr.projection]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownProjection, pr.projection)
	}
	var genVersion int
	err := e.pool.QueryRow(ctx, `
SELECT coalesce(max(version), 0) FROM projection.generations
 WHERE schema_name = $1 AND state IN ('active', 'building')`, pr.consumer).Scan(&genVersion)
	if err != nil {
		return err
	}
	if genVersion != proj.Version() {
		return &replayRefusedError{fmt.Sprintf("generation %s is gone or has version %d, not this process's %d", pr.consumer, genVersion, proj.Version())}
	}
	ev, err := e.storedEvent(ctx, pr)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := lockCheckpoint(ctx, tx, pr.consumer); err != nil {
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
}

// replayReaction hands a reaction's parked event to the reaction once more
// while holding its row, and removes the row when that succeeded: two
// replays of one event do not run at once.
func (e *Engine) replayReaction(ctx context.Context, id int64, pr parkedRow) error {
	rc, ok := e.byReaction[pr.projection]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownProjection, pr.projection)
	}
	ev, err := e.storedEvent(ctx, pr)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := loadParked(ctx, tx.QueryRow(ctx, `SELECT `+parkedColumns+` FROM projection.parked WHERE id = $1 FOR UPDATE`, id), id); err != nil {
			return err
		}
		handle := rc.re.Handle
		if rc.re.Open != nil {
			h, closeFn, err := rc.re.Open(ctx)
			if err != nil {
				return fmt.Errorf("open reaction %s: %w", rc.re.Name, err)
			}
			if closeFn != nil {
				defer closeFn()
			}
			handle = h
		}
		if err := e.react(ctx, rc, handle, ev); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM projection.parked WHERE id = $1`, id)
		return err
	})
}

// SkipParked gives up on a parked event: it is removed without being handled.
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
