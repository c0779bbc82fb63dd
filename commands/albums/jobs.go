package albums

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
)

// ExpiryJobName is the expiry job's name (checkpoint key).
const ExpiryJobName = "album_expiry"

// Stale lists the jobs not changed since before that are not expired yet
// (the read model; queries/albums).
type Stale interface {
	StaleJobs(ctx context.Context, before time.Time, limit int) ([]int64, error)
}

// expiryBatch bounds the jobs one run clears.
const expiryBatch = 500

// Jobs returns the expiry job: every ExpireEvery it moves the jobs not
// changed for TTL to −2 (AlbumJobExpired) and deletes their files. The
// decision is taken again on each job's stream, so a job changed since the
// read model saw it is left.
func (h *Handlers) Jobs(stale Stale) []eventlog.Job {
	return []eventlog.Job{{
		Name:  ExpiryJobName,
		Every: h.cfg.ExpireEvery,
		Run: func(ctx context.Context, now time.Time) error {
			_, err := h.Expire(ctx, stale, now)
			return err
		},
	}}
}

// Expire clears the jobs not changed for TTL as of now and returns how many.
func (h *Handlers) Expire(ctx context.Context, stale Stale, now time.Time) (int, error) {
	ids, err := stale.StaleJobs(ctx, now.Add(-h.cfg.TTL), expiryBatch)
	if err != nil {
		return 0, fmt.Errorf("album expiry: %w", err)
	}
	n := 0
	var errs []error
	for _, id := range ids {
		res, err := h.decide(ctx, id, eventlog.Metadata{OccurredAt: now}, func(j albums.Job) (eventlog.Event, error) {
			if e := albums.Expire(j, now, h.cfg.TTL); e != nil {
				return *e, nil
			}
			return nil, nil
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(res.Events) == 0 {
			continue
		}
		if err := h.files.DeleteJob(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("delete files of album job %d: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
