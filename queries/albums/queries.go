// Package albums answers the queries of 004's album and long-image jobs
// from the read model projections/albums maintains (view albums.jobs), with
// the owner's name and avatar (identity.users) and the like and comment
// counts (forum.counts). One file per query.
package albums

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read.
const ProjectionName = "albums"

// ErrNotFound is returned for a job that does not exist.
var ErrNotFound = errors.New("albums: not found")

// ReadModel is the PostgreSQL the read models live in.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the job queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Job is a job as the lists and the status show it.
type Job struct {
	ID          int64
	Kind        string
	OwnerID     int64
	Username    string
	AvatarKey   string
	Status      int
	Title       string
	Description string
	Share       bool
	Tag         int
	FPS         int
	Images      []string
	ResultKey   string
	Width       int
	Height      int
	CoverKey    string
	CoverWidth  int
	CoverHeight int
	DurationMS  int64
	Reason      string
	LikeNum     int
	CommentNum  int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const jobSelect = `SELECT j.id, j.kind, j.owner_id, coalesce(u.username, ''), coalesce(u.avatar_key, ''), j.status, j.title,
 j.description, j.share, j.tag, j.fps, j.images, j.result_key, j.width, j.height, j.cover_key, j.cover_width, j.cover_height,
 j.duration_ms, j.reason, coalesce(n.like_num, 0), coalesce(n.comment_num, 0), j.created_at, j.updated_at
 FROM ` + ProjectionName + `.jobs j
 LEFT JOIN identity.users u ON u.id = j.owner_id
 LEFT JOIN forum.counts n ON n.subject = j.kind AND n.subject_id = j.id`

func scanJob(row pgx.Row) (Job, error) {
	var j Job
	err := row.Scan(&j.ID, &j.Kind, &j.OwnerID, &j.Username, &j.AvatarKey, &j.Status, &j.Title, &j.Description, &j.Share,
		&j.Tag, &j.FPS, &j.Images, &j.ResultKey, &j.Width, &j.Height, &j.CoverKey, &j.CoverWidth, &j.CoverHeight,
		&j.DurationMS, &j.Reason, &j.LikeNum, &j.CommentNum, &j.CreatedAt, &j.UpdatedAt)
	return j, err
}

// GetJob returns a job of kind that was not deleted.
func (q *Queries) GetJob(ctx context.Context, kind string, id int64) (Job, error) {
	j, err := scanJob(q.db.QueryRow(ctx, jobSelect+` WHERE j.id = $1 AND j.kind = $2 AND NOT j.deleted`, id, kind))
	if errors.Is(err, pgx.ErrNoRows) {
		return j, ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("get %s job %d: %w", kind, id, err)
	}
	return j, nil
}

// ListLimit bounds a list.
const ListLimit = 200

// Filter says which jobs a list shows.
type Filter struct {
	Kind string
	// Owner > 0: that user's jobs only; NotFailed drops failed ones.
	Owner     int64
	NotFailed bool
	// Public: finished and shared jobs only; Tag ≥ 0 one tag's.
	Public bool
	Tag    int
}

// ListJobs returns the jobs the filter lets through, newest first.
func (q *Queries) ListJobs(ctx context.Context, f Filter) ([]Job, error) {
	rows, err := q.db.Query(ctx, jobSelect+` WHERE NOT j.deleted AND j.kind = $1
   AND ($2 = 0 OR j.owner_id = $2)
   AND (NOT $3 OR j.status >= 0)
   AND (NOT $4 OR (j.share AND j.status = 200))
   AND ($5 < 0 OR j.tag = $5)
 ORDER BY j.id DESC LIMIT $6`, f.Kind, f.Owner, f.NotFailed, f.Public, f.Tag, ListLimit)
	if err != nil {
		return nil, fmt.Errorf("list %s jobs: %w", f.Kind, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) { return scanJob(r) })
	if err != nil {
		return nil, fmt.Errorf("list %s jobs: %w", f.Kind, err)
	}
	return out, nil
}

// StaleJobs returns the jobs not changed since before that are not expired
// or deleted, oldest first (the expiry job's candidates).
func (q *Queries) StaleJobs(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT id FROM `+ProjectionName+`.jobs WHERE NOT deleted AND status <> -2 AND updated_at < $1
 ORDER BY updated_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("stale album jobs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("stale album jobs: %w", err)
	}
	return ids, nil
}
