package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// RecordQRCodes is the export worker reporting a built zip.
type RecordQRCodes struct {
	BatchID   int64
	Generated cards.QRCodesGenerated
	Meta      eventlog.Metadata
}

// RecordQRCodes appends QRCodesGenerated unless the same file is already the
// batch's latest export.
func (h *Handlers) RecordQRCodes(ctx context.Context, cmd RecordQRCodes) (eventlog.Position, error) {
	now := h.now(&cmd.Meta)
	if cmd.Generated.GeneratedAt.IsZero() {
		cmd.Generated.GeneratedAt = now
	}
	res, err := h.runner.Execute(ctx, cards.BatchStream(cmd.BatchID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		evs := events(history)
		return cards.BatchFrom(evs).RecordQRCodes(cards.LastQRCodes(evs), cmd.Generated)
	})
	return res.Append.Position, err
}
