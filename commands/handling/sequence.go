package handling

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
)

// AllocateIDs takes count ids of the named sequence for owner, deciding on
// the sequence stream's last event only: concurrent allocators are ordered by
// its expected version and get disjoint, contiguous ranges.
func (r *Runner) AllocateIDs(ctx context.Context, name string, count int64, owner string, meta eventlog.Metadata) (sequence.IDsAllocated, error) {
	res, err := r.ExecuteLast(ctx, sequence.StreamID(name), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var prev *sequence.IDsAllocated
		if last != nil {
			e, ok := last.Event.(sequence.IDsAllocated)
			if !ok {
				return nil, fmt.Errorf("sequence %s: unexpected event %T", name, last.Event)
			}
			prev = &e
		}
		a, err := sequence.Allocate(name, prev, count, 1, owner)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{a}, nil
	})
	if err != nil {
		return sequence.IDsAllocated{}, fmt.Errorf("allocate %d ids of %s: %w", count, name, err)
	}
	return res.Events[0].(sequence.IDsAllocated), nil
}
