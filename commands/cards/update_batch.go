package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// UpdateBatch changes a batch (admin only): name, expiry date, QR base URL
// and publication. Full is PUT (name required), otherwise PATCH.
type UpdateBatch struct {
	Actor   access.Actor
	BatchID int64
	Input   cards.BatchInput
	Full    bool
	Meta    eventlog.Metadata
}

// UpdateBatch appends BatchUpdated (and BatchPublished/BatchUnpublished when
// is_published changes).
func (h *Handlers) UpdateBatch(ctx context.Context, cmd UpdateBatch) (BatchResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return BatchResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.executeBatch(ctx, cmd.BatchID, cmd.Meta, func(b cards.Batch) ([]eventlog.Event, error) {
		return b.Update(cmd.Input, cmd.Full, now)
	})
}

// executeBatch runs a decision over a batch's state and returns the state
// after it.
func (h *Handlers) executeBatch(ctx context.Context, id int64, meta eventlog.Metadata, decide func(cards.Batch) ([]eventlog.Event, error)) (BatchResult, error) {
	var after cards.Batch
	res, err := h.runner.Execute(ctx, cards.BatchStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		evs := events(history)
		decided, err := decide(cards.BatchFrom(evs))
		after = cards.BatchFrom(append(evs, decided...))
		return decided, err
	})
	if err != nil {
		return BatchResult{}, err
	}
	return BatchResult{Batch: after, Position: res.Append.Position}, nil
}
