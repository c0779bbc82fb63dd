package albums

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
)

// WorkerPrefix starts the names of the worker reactions.
const WorkerPrefix = "album_worker_"

// Workers returns the worker: Config.Workers reactions, each taking the
// jobs whose id falls in its shard (id mod Workers). The engine runs each
// reaction in one process at a time, so a job runs once across processes
// and at most Workers jobs render at once; a reaction's checkpoint moves
// past AlbumJobQueued only once the job ended, so a process killed mid-job
// leaves the event to the process that takes the reaction over, which
// resumes the job at its step. The shard count is in the names
// (album_worker_<n>_<i>): another count starts new reactions from the
// beginning of the log, which pass over every job that already ended.
func (h *Handlers) Workers(p Pipeline) []eventlog.Reaction {
	n := max(h.cfg.Workers, 1)
	out := make([]eventlog.Reaction, 0, n)
	for i := range n {
		out = append(out, eventlog.Reaction{
			Name:   fmt.Sprintf("%s%d_%d", WorkerPrefix, n, i),
			Filter: eventlog.Filter{Categories: []string{albums.Category}, EventTypes: []string{albums.EventJobQueued}},
			Handle: func(ctx context.Context, env eventlog.Envelope) error {
				q, ok := env.Event.(albums.AlbumJobQueued)
				if !ok || q.JobID%int64(n) != int64(i) {
					return nil
				}
				meta := eventlog.Metadata{CorrelationID: env.Meta.CorrelationID, CausationID: env.Recorded.ID}
				return h.Run(ctx, p, q.JobID, q.Attempt, meta)
			},
		})
	}
	return out
}
