package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// RecordQRCodes is the export worker reporting a built zip; its Actor is
// access.System.
type RecordQRCodes struct {
	Actor     access.Actor
	BatchID   int64
	Generated cards.QRCodesGenerated
	Meta      eventlog.Metadata
}

// RecordQRCodesResult is where the record landed: the start position when
// the same file was already the batch's latest export (nothing appended).
type RecordQRCodesResult struct {
	Position eventlog.Position
}

// RecordQRCodes appends QRCodesGenerated unless the same file is already the
// batch's latest export.
func (h *Handlers) RecordQRCodes(ctx context.Context, cmd RecordQRCodes) (RecordQRCodesResult, error) {
	now := h.now(&cmd.Meta)
	if cmd.Generated.GeneratedAt.IsZero() {
		cmd.Generated.GeneratedAt = now
	}
	res, err := h.runner.Execute(ctx, cards.BatchStream(cmd.BatchID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		evs := events(history)
		return cards.BatchFrom(evs).RecordQRCodes(cards.LastQRCodes(evs), cmd.Generated)
	})
	if err != nil {
		return RecordQRCodesResult{}, err
	}
	return RecordQRCodesResult{Position: res.Append.Position}, nil
}
