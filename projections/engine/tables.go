package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fiveapis/backend/domain/eventlog"
)

// execer is a pool, a connection or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// insertParked records ev as parked for a consumer (a projector's generation
// or a reaction) of the named projector or reaction. An event parked again
// for the same consumer adds its attempts to the row.
func insertParked(ctx context.Context, q execer, kind Kind, name, consumer string, ev eventlog.RecordedEvent, cause error, attempts int) error {
	metadata := ev.Metadata
	if metadata == nil {
		metadata = []byte{}
	}
	data := ev.Data
	if data == nil {
		data = []byte{}
	}
	_, err := q.Exec(ctx, `
INSERT INTO projection.parked
       (kind, projection, consumer, commit_pos, prepare_pos, event_id, stream_id, version, event_type,
        data, metadata, recorded_at, error, attempts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (consumer, event_id) DO UPDATE
   SET error = EXCLUDED.error, attempts = parked.attempts + EXCLUDED.attempts, parked_at = now()`,
		string(kind), name, consumer, int64(ev.Position.Commit), int64(ev.Position.Prepare), ev.ID, ev.StreamID,
		int64(ev.Version), ev.Type, data, metadata, ev.RecordedAt, cause.Error(), attempts)
	if err != nil {
		return fmt.Errorf("engine: park %s for %s: %w", ev.ID, consumer, err)
	}
	return nil
}

// saveReactionCheckpoint moves the reaction's checkpoint row from from (the
// checkpoint its run last saved or read) forward to pos, creating the row
// when missing. A row already at or past pos stays (a late writer, such as a
// run that lost its lock, can only make events be delivered again, never
// skip one), and so does a row behind from: an operator moved it back
// (ResetCheckpoint), and the run, about to stop, must not undo that.
func saveReactionCheckpoint(ctx context.Context, q execer, name string, from, pos eventlog.Position) error {
	_, err := q.Exec(ctx, `
INSERT INTO projection.checkpoints (name, commit_pos, prepare_pos) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE
   SET commit_pos = EXCLUDED.commit_pos, prepare_pos = EXCLUDED.prepare_pos, updated_at = now()
 WHERE (checkpoints.commit_pos, checkpoints.prepare_pos) < (EXCLUDED.commit_pos, EXCLUDED.prepare_pos)
   AND (checkpoints.commit_pos, checkpoints.prepare_pos) >= ($4, $5)`,
		name, int64(pos.Commit), int64(pos.Prepare), int64(from.Commit), int64(from.Prepare))
	if err != nil {
		return fmt.Errorf("engine: save checkpoint %s: %w", name, err)
	}
	return nil
}
