package cards

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// Templates is the read model of card templates: card_templates.templates.
// Deleted templates keep their row (is_deleted) so batches and cards made from
// them still show their template.
type Templates struct{}

func (Templates) Name() string { return cardsq.TemplatesSchema }
func (Templates) Version() int { return 1 }

func (Templates) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{cards.TemplateCategory}}
}

func (Templates) Schema() string {
	return `
CREATE TABLE templates (
    id          bigint PRIMARY KEY,
    name        text        NOT NULL,
    category    text        NOT NULL,
    description text        NOT NULL,
    image       text        NOT NULL,
    attributes  jsonb       NOT NULL,
    rarity      text        NOT NULL,
    is_active   boolean     NOT NULL,
    is_deleted  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX templates_live ON templates (id) WHERE NOT is_deleted;
CREATE INDEX templates_category ON templates (category, id) WHERE NOT is_deleted;
`
}

func (Templates) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	switch e := env.Event.(type) {
	case cards.TemplateCreated:
		attrs, err := jsonb(e.Attributes)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
INSERT INTO templates (id, name, category, description, image, attributes, rarity, is_active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (id) DO NOTHING`,
			e.TemplateID, e.Name, string(e.Category), e.Description, e.Image, attrs, string(e.Rarity), e.IsActive, e.CreatedAt)
		return err
	case cards.TemplateUpdated:
		attrs, err := jsonb(e.Attributes)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
UPDATE templates SET name = $2, category = $3, description = $4, image = $5, attributes = $6, rarity = $7,
       is_active = $8, updated_at = $9
 WHERE id = $1`,
			e.TemplateID, e.Name, string(e.Category), e.Description, e.Image, attrs, string(e.Rarity), e.IsActive, e.UpdatedAt)
		return err
	case cards.TemplateDeleted:
		_, err := tx.Exec(ctx, `UPDATE templates SET is_deleted = true, deleted_at = $2, updated_at = $2 WHERE id = $1`,
			e.TemplateID, e.DeletedAt)
		return err
	}
	return nil
}
