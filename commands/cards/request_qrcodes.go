package cards

import (
	"context"
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// RequestQRCodes asks for the QR code zip of a batch (admin only). The zip is
// built outside the command by the exporter (transport/qrcodes), which
// records QRCodesGenerated (RecordQRCodes) when the file is ready.
type RequestQRCodes struct {
	Actor   access.Actor
	BatchID int64
	// LinkExpiresAt is when the download link handed out expires.
	LinkExpiresAt time.Time
	Meta          eventlog.Metadata
}

// QRCodesResult is the requested batch, its latest recorded export (nil when
// none) and where the request landed.
type QRCodesResult struct {
	Batch    cards.Batch
	Last     *cards.QRCodesGenerated
	Position eventlog.Position
}

// RequestQRCodes appends QRCodesRequested.
func (h *Handlers) RequestQRCodes(ctx context.Context, cmd RequestQRCodes) (QRCodesResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return QRCodesResult{}, err
	}
	now := h.now(&cmd.Meta)
	var out QRCodesResult
	res, err := h.runner.Execute(ctx, cards.BatchStream(cmd.BatchID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		evs := events(history)
		out.Batch = cards.BatchFrom(evs)
		out.Last = cards.LastQRCodes(evs)
		return out.Batch.RequestQRCodes(strconv.FormatInt(cmd.Actor.UserID, 10), cmd.LinkExpiresAt, now)
	})
	if err != nil {
		return QRCodesResult{}, err
	}
	out.Position = res.Append.Position
	return out, nil
}

// Batch returns a batch's state from its stream (for the download link,
// which must not serve deleted batches). It is a read, not a command.
func (h *Handlers) Batch(ctx context.Context, id int64) (cards.Batch, error) {
	b, _, err := h.loadBatch(ctx, id)
	return b, err
}
