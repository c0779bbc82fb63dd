package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// StaleFile is a file announced before a moment and never saved.
type StaleFile struct {
	TicketID int64
	FileID   int64
	Key      string
}

// StaleFiles lists files announced before a moment and never saved nor
// discarded (queries/tickets through the wiring).
type StaleFiles interface {
	StaleFiles(ctx context.Context, before time.Time, limit int) ([]StaleFile, error)
}

// ObjectRemover deletes a stored object; a missing one is no error
// (transport/files through the wiring).
type ObjectRemover interface {
	Delete(ctx context.Context, key string) error
}

// CleanupJobName is the cleanup job's name (its key in the engine).
const CleanupJobName = "magpie_stale_uploads"

// CleanupJob returns the job that discards the files whose upload did not
// complete within ttl: it appends TicketFileDiscarded and deletes whatever
// bytes reached storage, every interval.
func (h *Handlers) CleanupJob(stale StaleFiles, objects ObjectRemover, ttl, every time.Duration) eventlog.Job {
	return eventlog.Job{Name: CleanupJobName, Every: every, Run: func(ctx context.Context, now time.Time) error {
		files, err := stale.StaleFiles(ctx, now.Add(-ttl), 500)
		if err != nil {
			return fmt.Errorf("stale uploads: %w", err)
		}
		var errs []error
		for _, f := range files {
			discarded, err := h.DiscardFile(ctx, DiscardFile{TicketID: f.TicketID, FileID: f.FileID, Reason: "upload not completed",
				Meta: eventlog.Metadata{}})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if discarded {
				if err := objects.Delete(ctx, f.Key); err != nil {
					errs = append(errs, fmt.Errorf("delete %s: %w", f.Key, err))
				}
			}
		}
		return errors.Join(errs...)
	}}
}
