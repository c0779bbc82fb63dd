package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// PublishBatch makes a batch's cards usable (Publish) or unusable (!Publish);
// admin only. Publishing a published batch changes nothing.
type PublishBatch struct {
	Actor   access.Actor
	BatchID int64
	Publish bool
	Meta    eventlog.Metadata
}

// PublishBatch appends BatchPublished or BatchUnpublished.
func (h *Handlers) PublishBatch(ctx context.Context, cmd PublishBatch) (BatchResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return BatchResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.executeBatch(ctx, cmd.BatchID, cmd.Meta, func(b cards.Batch) ([]eventlog.Event, error) {
		if cmd.Publish {
			return b.Publish(now)
		}
		return b.Unpublish(now)
	})
}
