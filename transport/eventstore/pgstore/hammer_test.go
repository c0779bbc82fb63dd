package pgstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/contract"
)

// TestHammerOneStream has 100 goroutines append to one stream with optimistic
// concurrency (read the last version, append with it, retry on conflict after
// a short random pause).
func TestHammerOneStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"GroupCommit", Config{}},
		{"NoGroupCommit", Config{DisableGroupCommit: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const goroutines, each = 100, 3
			pool, _ := newPool(t, 20)
			s := newStore(t, pool, tc.cfg)
			ctx := t.Context()
			const stream = "hammer-1"
			var conflicts atomic.Int64
			var wg sync.WaitGroup
			ids := make([][]string, goroutines)
			for g := range goroutines {
				wg.Go(func() {
					for range each {
						e := newEvent()
						for attempt := 1; ; attempt++ {
							last, err := lastVersion(ctx, s, stream)
							if err != nil {
								t.Errorf("read: %v", err)
								return
							}
							_, err = s.Append(ctx, stream, eventlog.AfterVersion(last), []eventlog.EventData{e})
							if errors.Is(err, eventlog.ErrWrongExpectedVersion) {
								conflicts.Add(1)
								contract.Backoff(attempt)
								continue
							}
							if err != nil {
								t.Errorf("append: %v", err)
								return
							}
							ids[g] = append(ids[g], e.ID)
							break
						}
					}
				})
			}
			wg.Wait()
			t.Logf("%d appends, %d conflicts", goroutines*each, conflicts.Load())
			got, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != goroutines*each {
				t.Fatalf("%d events, want %d", len(got), goroutines*each)
			}
			seen := map[string]bool{}
			for i, e := range got {
				if e.Version != uint64(i) {
					t.Fatalf("event %d has version %d", i, e.Version)
				}
				if seen[e.ID] {
					t.Fatalf("event %s stored twice", e.ID)
				}
				seen[e.ID] = true
			}
			for g := range ids {
				for _, id := range ids[g] {
					if !seen[id] {
						t.Errorf("event %s of goroutine %d missing", id, g)
					}
				}
			}
		})
	}
}

func lastVersion(ctx context.Context, s eventlog.Store, stream string) (*uint64, error) {
	evs, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventlog.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &evs[0].Version, nil
}
