// Package tickets holds the read model of 003's tickets (projector
// "tickets"): places, clusters, roles, tickets, their files and comments;
// queries/tickets reads it.
package tickets

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
	"github.com/fiveapis/backend/projections/engine"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per place, cluster, role, ticket, file and
// comment; every write is idempotent (a replay writes the same rows).
type Projector struct{}

func (Projector) Name() string { return ticketsq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{tickets.SetupCategory, tickets.CastingCategory, tickets.TicketCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE areas (
    id         bigint PRIMARY KEY,
    name       text        NOT NULL,
    kind       text        NOT NULL,
    parent_id  bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE clusters (
    id         bigint PRIMARY KEY,
    name       text        NOT NULL,
    slag       text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE roles (
    id         bigint PRIMARY KEY,
    user_id    bigint      NOT NULL,
    casting    text        NOT NULL,
    area_id    bigint      NOT NULL,
    active     boolean     NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX roles_user ON roles (user_id) WHERE active;

CREATE TABLE tickets (
    id              bigint PRIMARY KEY,
    creator_id      bigint      NOT NULL,
    operator_id     bigint      NOT NULL,
    principal_id    bigint      NOT NULL DEFAULT 0,
    title           text        NOT NULL,
    content         text        NOT NULL,
    tape_content    text        NOT NULL,
    latitude        double precision,
    longitude       double precision,
    village_id      bigint      NOT NULL,
    area_id         bigint      NOT NULL,
    cluster_id      bigint      NOT NULL,
    kind            bigint      NOT NULL,
    is_public       boolean     NOT NULL,
    can_comment     boolean     NOT NULL DEFAULT false,
    is_suspend      boolean     NOT NULL DEFAULT false,
    status          bigint      NOT NULL,
    mail_key        text        NOT NULL,
    main_picture_id bigint      NOT NULL,
    inspected_at    timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX tickets_village ON tickets (village_id);
CREATE INDEX tickets_area ON tickets (area_id);
CREATE INDEX tickets_creator ON tickets (creator_id);

CREATE TABLE files (
    id           bigint PRIMARY KEY,
    ticket_id    bigint      NOT NULL,
    role         text        NOT NULL,
    name         text        NOT NULL,
    ext          text        NOT NULL,
    key          text        NOT NULL,
    saved        boolean     NOT NULL DEFAULT false,
    discarded    boolean     NOT NULL DEFAULT false,
    size         bigint      NOT NULL DEFAULT 0,
    content_type text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX files_ticket ON files (ticket_id, id);
CREATE INDEX files_pending ON files (created_at) WHERE NOT saved AND NOT discarded;

CREATE TABLE comments (
    id         bigint PRIMARY KEY,
    ticket_id  bigint      NOT NULL,
    author_id  bigint      NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case tickets.AreaAdded:
		_, err = tx.Exec(ctx, `INSERT INTO areas (id, name, kind, parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (id) DO NOTHING`, e.AreaID, e.Name, e.Kind, e.ParentID, e.AddedAt)
	case tickets.AreaRenamed:
		_, err = tx.Exec(ctx, `UPDATE areas SET name = $2, updated_at = $3 WHERE id = $1`, e.AreaID, e.Name, e.RenamedAt)
	case tickets.ClusterAdded:
		_, err = tx.Exec(ctx, `INSERT INTO clusters (id, name, slag, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
			e.ClusterID, e.Name, e.Slag, e.AddedAt)
	case tickets.RoleActivated:
		_, err = tx.Exec(ctx, `INSERT INTO roles (id, user_id, casting, area_id, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, true, $5, $5) ON CONFLICT (id) DO NOTHING`, e.RoleID, e.UserID, e.Casting, e.AreaID, e.ActivatedAt)
	case tickets.RoleRevoked:
		_, err = tx.Exec(ctx, `UPDATE roles SET active = false, updated_at = $2 WHERE id = $1`, e.RoleID, e.RevokedAt)
	case tickets.TicketCreated:
		if _, err = tx.Exec(ctx, `
INSERT INTO tickets (id, creator_id, operator_id, title, content, tape_content, latitude, longitude, village_id, area_id,
    cluster_id, kind, is_public, status, mail_key, main_picture_id, created_at, updated_at)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) ON CONFLICT (id) DO NOTHING`,
			e.TicketID, e.CreatorID, e.Title, e.Content, e.TapeContent, e.Latitude, e.Longitude, e.VillageID, e.AreaID,
			e.ClusterID, e.Kind, e.IsPublic, e.Status, e.MailKey, e.MainPictureID, e.CreatedAt); err != nil {
			return err
		}
		for _, f := range e.Files {
			if _, err = tx.Exec(ctx, `INSERT INTO files (id, ticket_id, role, name, ext, key, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING`, f.FileID, e.TicketID, f.Role, f.Name, f.Ext, f.Key, e.CreatedAt); err != nil {
				return err
			}
		}
	case tickets.TicketUpdated:
		_, err = tx.Exec(ctx, `UPDATE tickets SET title = $2, content = $3, tape_content = $4, latitude = $5, longitude = $6,
    cluster_id = $7, kind = $8, is_public = $9, can_comment = $10, is_suspend = $11, principal_id = $12,
    main_picture_id = $13, operator_id = $14, updated_at = $15 WHERE id = $1`,
			e.TicketID, e.Title, e.Content, e.TapeContent, e.Latitude, e.Longitude, e.ClusterID, e.Kind, e.IsPublic,
			e.CanComment, e.IsSuspend, e.PrincipalID, e.MainPictureID, e.OperatorID, e.UpdatedAt)
	case tickets.TicketStatusChanged:
		_, err = tx.Exec(ctx, `UPDATE tickets SET status = $2, operator_id = $3, updated_at = $4,
    inspected_at = CASE WHEN $5 AND inspected_at IS NULL THEN $4 ELSE inspected_at END WHERE id = $1`,
			e.TicketID, e.To, e.OperatorID, e.ChangedAt, e.Inspected)
	case tickets.TicketFileSaved:
		_, err = tx.Exec(ctx, `UPDATE files SET saved = true, size = $2, content_type = $3, updated_at = $4 WHERE id = $1`,
			e.FileID, e.Size, e.ContentType, e.SavedAt)
	case tickets.TicketFileDiscarded:
		if _, err = tx.Exec(ctx, `UPDATE files SET discarded = true, updated_at = $2 WHERE id = $1`, e.FileID, e.DiscardedAt); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tickets SET main_picture_id = 0 WHERE id = $1 AND main_picture_id = $2`, e.TicketID, e.FileID)
	case tickets.TicketCommentAdded:
		_, err = tx.Exec(ctx, `INSERT INTO comments (id, ticket_id, author_id, content, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO NOTHING`, e.CommentID, e.TicketID, e.AuthorID, e.Content, e.CreatedAt)
	}
	return err
}
