package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// DeleteBatch hides a batch and its cards (admin only): they can no longer be
// used or listed. The history, the batch code and the id range stay taken.
type DeleteBatch struct {
	Actor   access.Actor
	BatchID int64
	Meta    eventlog.Metadata
}

// DeleteResult is where a deletion landed.
type DeleteResult struct {
	Position eventlog.Position
}

// DeleteBatch appends BatchDeleted.
func (h *Handlers) DeleteBatch(ctx context.Context, cmd DeleteBatch) (DeleteResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return DeleteResult{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.executeBatch(ctx, cmd.BatchID, cmd.Meta, func(b cards.Batch) ([]eventlog.Event, error) {
		return b.Delete(now)
	})
	if err != nil {
		return DeleteResult{}, err
	}
	return DeleteResult{Position: res.Position}, nil
}
