package cards

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// GetCard returns a card of a batch that is not deleted (002 §3.2): the batch
// whose range holds id, found by the nearest start_id.
func (q *Queries) GetCard(ctx context.Context, id int64) (CardDetail, error) {
	var (
		c      CardDetail
		code   string
		base   string
		attrs  []byte
		exp    *time.Time
		tCat   *string
		rarity *string
	)
	err := q.db.QueryRow(ctx, `
SELECT b.id, b.name, b.category, b.template_id, coalesce(t.name, b.template_name), t.category, t.attributes, t.rarity,
       b.batch_code, b.qr_code_base_url, b.expiry_date, b.created_at, u.user_id, u.username, u.used_at
  FROM (SELECT * FROM `+BatchesSchema+`.batches WHERE start_id <= $1 ORDER BY start_id DESC LIMIT 1) b
  LEFT JOIN `+TemplatesSchema+`.templates t ON t.id = b.template_id
  LEFT JOIN `+UsageSchema+`.used_cards u ON u.card_id = $1
 WHERE b.end_id >= $1 AND NOT b.is_deleted`, id).Scan(
		&c.Batch.ID, &c.Batch.Name, &c.Batch.Category, &c.Template.ID, &c.Template.Name, &tCat, &attrs, &rarity,
		&code, &base, &exp, &c.CreatedAt, &c.UsedBy, &c.UsedByUsername, &c.UsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get card %d: %w", id, err)
	}
	c.ID = id
	c.Template.Category = c.Batch.Category
	if tCat != nil {
		c.Template.Category = *tCat
	}
	if rarity != nil {
		c.Template.Rarity = *rarity
	}
	if c.Template.Attributes, err = attributes(attrs); err != nil {
		return c, err
	}
	c.CardCode = q.coder.Code(code, id)
	c.QRCode = base + c.CardCode
	c.ExpiresAt = expiresAt(exp)
	c.IsUsed = c.UsedBy != nil
	return c, nil
}
