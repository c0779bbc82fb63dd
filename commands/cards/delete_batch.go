package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// DeleteBatch hides a batch and its cards (admin only): they can no longer be
// used or listed. The history, the batch code and the id range stay taken.
type DeleteBatch struct {
	Actor   Actor
	BatchID int64
	Meta    eventlog.Metadata
}

// DeleteBatch appends BatchDeleted.
func (h *Handlers) DeleteBatch(ctx context.Context, cmd DeleteBatch) (eventlog.Position, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.executeBatch(ctx, cmd.BatchID, cmd.Meta, func(b cards.Batch) ([]eventlog.Event, error) {
		return b.Delete(now)
	})
	return res.Position, err
}
