// Package guides holds the read model of 001's service guides (projector
// "guides"); queries/guides reads it through the views guides.categories and
// guides.guides. E-mail requests are not projected: they live in the log and
// the mail worker follows them.
package guides

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
	"github.com/fiveapis/backend/projections/engine"
	guidesq "github.com/fiveapis/backend/queries/guides"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per category and per guide (removed ones flagged).
type Projector struct{}

func (Projector) Name() string { return guidesq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{guides.CategoryCategory, guides.GuideCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE categories (
    id         bigint PRIMARY KEY,
    name       text        NOT NULL,
    removed    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE guides (
    id           bigint PRIMARY KEY,
    title        text        NOT NULL,
    category_id  bigint      NOT NULL,
    file_key     text        NOT NULL,
    file_name    text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    sha256       text        NOT NULL,
    removed      boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX guides_live ON guides (category_id, title) WHERE NOT removed;
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case guides.GuideCategoryAdded:
		_, err = tx.Exec(ctx, `INSERT INTO categories (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (id) DO NOTHING`, e.CategoryID, e.Name, e.AddedAt)
	case guides.GuideCategoryChanged:
		_, err = tx.Exec(ctx, `UPDATE categories SET name = $2, updated_at = $3 WHERE id = $1`, e.CategoryID, e.Name, e.ChangedAt)
	case guides.GuideCategoryRemoved:
		_, err = tx.Exec(ctx, `UPDATE categories SET removed = true, updated_at = $2 WHERE id = $1`, e.CategoryID, e.RemovedAt)
	case guides.GuideUploaded:
		_, err = tx.Exec(ctx, `
INSERT INTO guides (id, title, category_id, file_key, file_name, content_type, size, sha256, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING`,
			e.GuideID, e.Title, e.CategoryID, e.Key, e.Name, e.ContentType, e.Size, e.SHA256, e.UploadedAt)
	case guides.GuideChanged:
		_, err = tx.Exec(ctx, `
UPDATE guides SET title = $2, category_id = $3, file_key = $4, file_name = $5, content_type = $6, size = $7,
 sha256 = $8, updated_at = $9 WHERE id = $1`,
			e.GuideID, e.Title, e.CategoryID, e.Key, e.Name, e.ContentType, e.Size, e.SHA256, e.ChangedAt)
	case guides.GuideRemoved:
		_, err = tx.Exec(ctx, `UPDATE guides SET removed = true, updated_at = $2 WHERE id = $1`, e.GuideID, e.RemovedAt)
	}
	return err
}
