package cards

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// Batches is the read model of batches: card_batches.batches, one row per
// batch holding its card id range. No row is written per card: a card is the
// pair (batch, id) for every id in start_id..end_id. The latest QR code export
// is kept on the row.
type Batches struct{}

func (Batches) Name() string { return cardsq.BatchesSchema }
func (Batches) Version() int { return 1 }

func (Batches) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{cards.BatchCategory}}
}

func (Batches) Schema() string {
	return `
CREATE TABLE batches (
    id                 bigint PRIMARY KEY,
    name               text        NOT NULL,
    template_id        bigint      NOT NULL,
    template_name      text        NOT NULL,
    category           text        NOT NULL,
    total_quantity     integer     NOT NULL,
    start_id           bigint      NOT NULL,
    end_id             bigint      NOT NULL,
    batch_code         text        NOT NULL,
    is_published       boolean     NOT NULL DEFAULT false,
    expiry_date        date,
    qr_code_base_url   text        NOT NULL,
    is_deleted         boolean     NOT NULL DEFAULT false,
    qr_generated_count integer,
    qr_file            text,
    qr_generated_at    timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    deleted_at         timestamptz
);
CREATE UNIQUE INDEX batches_start ON batches (start_id);
CREATE UNIQUE INDEX batches_code ON batches (batch_code);
CREATE INDEX batches_template ON batches (template_id, start_id);
CREATE INDEX batches_category ON batches (category, start_id);
`
}

func (Batches) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case cards.BatchCreated:
		exp, derr := date(e.ExpiryDate)
		if derr != nil {
			return derr
		}
		_, err = tx.Exec(ctx, `
INSERT INTO batches (id, name, template_id, template_name, category, total_quantity, start_id, end_id, batch_code,
                     expiry_date, qr_code_base_url, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
ON CONFLICT (id) DO NOTHING`,
			e.BatchID, e.Name, e.TemplateID, e.TemplateName, string(e.Category), e.TotalQuantity, e.StartID, e.EndID,
			e.BatchCode, exp, e.QRCodeBaseURL, e.CreatedAt)
	case cards.BatchUpdated:
		exp, derr := date(e.ExpiryDate)
		if derr != nil {
			return derr
		}
		_, err = tx.Exec(ctx, `UPDATE batches SET name = $2, expiry_date = $3, qr_code_base_url = $4, updated_at = $5 WHERE id = $1`,
			e.BatchID, e.Name, exp, e.QRCodeBaseURL, e.UpdatedAt)
	case cards.BatchPublished:
		_, err = tx.Exec(ctx, `UPDATE batches SET is_published = true, updated_at = $2 WHERE id = $1`, e.BatchID, e.PublishedAt)
	case cards.BatchUnpublished:
		_, err = tx.Exec(ctx, `UPDATE batches SET is_published = false, updated_at = $2 WHERE id = $1`, e.BatchID, e.UnpublishedAt)
	case cards.BatchDeleted:
		_, err = tx.Exec(ctx, `UPDATE batches SET is_deleted = true, deleted_at = $2, updated_at = $2 WHERE id = $1`, e.BatchID, e.DeletedAt)
	case cards.QRCodesGenerated:
		_, err = tx.Exec(ctx, `UPDATE batches SET qr_generated_count = $2, qr_file = $3, qr_generated_at = $4 WHERE id = $1`,
			e.BatchID, e.GeneratedCount, e.File, e.GeneratedAt)
	}
	return err
}
