package mail

import (
	"cmp"
	"context"
	"errors"
	"slices"
)

// Workers are every mail worker of a process, for the operators: their
// parked deliveries in one list, and a replay by id whichever worker parked
// it.
type Workers []*Worker

// Parked lists the parked, not replayed deliveries of every worker, oldest
// first; name, when not empty, keeps only that worker's.
func (ws Workers) Parked(ctx context.Context, name string) ([]Parked, error) {
	out := []Parked{}
	for _, w := range ws {
		if w == nil || name != "" && w.Name() != name {
			continue
		}
		ps, err := w.Parked(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	slices.SortFunc(out, func(a, b Parked) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Replay replays a parked delivery with the worker that parked it;
// ErrParkedNotFound when none did.
func (ws Workers) Replay(ctx context.Context, id int64) error {
	for _, w := range ws {
		if w == nil {
			continue
		}
		err := w.Replay(ctx, id)
		if !errors.Is(err, ErrParkedNotFound) {
			return err
		}
	}
	return ErrParkedNotFound
}
