// Package albums holds the read model of 004's album and long-image jobs
// (projector "albums"); queries/albums reads it through the view
// albums.jobs.
package albums

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	albumsq "github.com/fiveapis/backend/queries/albums"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per job.
type Projector struct{}

func (Projector) Name() string { return albumsq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{albums.Category}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE jobs (
    id            bigint PRIMARY KEY,
    kind          text        NOT NULL,
    owner_id      bigint      NOT NULL,
    status        integer     NOT NULL DEFAULT 0,
    attempt       integer     NOT NULL DEFAULT 0,
    title         text        NOT NULL DEFAULT '',
    description   text        NOT NULL DEFAULT '',
    share         boolean     NOT NULL DEFAULT false,
    tag           integer     NOT NULL DEFAULT 0,
    fps           integer     NOT NULL DEFAULT 0,
    images        text[]      NOT NULL DEFAULT '{}',
    result_key    text        NOT NULL DEFAULT '',
    width         integer     NOT NULL DEFAULT 0,
    height        integer     NOT NULL DEFAULT 0,
    cover_key     text        NOT NULL DEFAULT '',
    cover_width   integer     NOT NULL DEFAULT 0,
    cover_height  integer     NOT NULL DEFAULT 0,
    duration_ms   bigint      NOT NULL DEFAULT 0,
    reason        text        NOT NULL DEFAULT '',
    deleted       boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX jobs_owner ON jobs (owner_id, kind, id DESC) WHERE NOT deleted;
CREATE INDEX jobs_public ON jobs (kind, id DESC) WHERE NOT deleted AND share AND status = 200;
CREATE INDEX jobs_stale ON jobs (updated_at) WHERE NOT deleted AND status <> -2;
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case albums.AlbumJobCreated:
		_, err = tx.Exec(ctx, `INSERT INTO jobs (id, kind, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (id) DO NOTHING`, e.JobID, string(e.Kind), e.OwnerID, e.CreatedAt)
	case albums.AlbumImageUploaded:
		_, err = tx.Exec(ctx, `UPDATE jobs SET images = array_append(images, $2), updated_at = $3 WHERE id = $1`,
			e.JobID, e.Image.Key, e.UploadedAt)
	case albums.AlbumInfoUploaded:
		_, err = tx.Exec(ctx, `UPDATE jobs SET title = $2, description = $3, share = $4, tag = $5, fps = $6, updated_at = $7 WHERE id = $1`,
			e.JobID, e.Info.Title, e.Info.Description, e.Info.Share, e.Info.Tag, e.Info.FPS, e.UploadedAt)
	case albums.AlbumJobQueued:
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = $2, attempt = $3, reason = '', updated_at = $4 WHERE id = $1`,
			e.JobID, albums.StatusQueued, e.Attempt, e.QueuedAt)
	case albums.AlbumJobProgressed:
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = $2, updated_at = $3 WHERE id = $1`, e.JobID, e.Status, e.At)
	case albums.AlbumJobFinished:
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = $2, result_key = $3, width = $4, height = $5, cover_key = $6,
 cover_width = $7, cover_height = $8, duration_ms = $9, updated_at = $10 WHERE id = $1`,
			e.JobID, albums.StatusDone, e.Result.Key, e.Result.Width, e.Result.Height, e.Cover.Key, e.Cover.Width, e.Cover.Height,
			e.DurationMS, e.FinishedAt)
	case albums.AlbumJobFailed:
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = $2, reason = $3, updated_at = $4 WHERE id = $1`,
			e.JobID, albums.StatusFailed, e.Reason, e.FailedAt)
	case albums.AlbumJobExpired:
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = $2, updated_at = $3 WHERE id = $1`, e.JobID, albums.StatusExpired, e.ExpiredAt)
	case albums.AlbumJobDeleted:
		_, err = tx.Exec(ctx, `UPDATE jobs SET deleted = true, updated_at = $2 WHERE id = $1`, e.JobID, e.DeletedAt)
	}
	return err
}
