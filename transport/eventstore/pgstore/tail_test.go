package pgstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// TestTailServesFilteredSubscriptions appends to two categories from 16
// goroutines through a store whose tail is much smaller than the burst, while
// filtered subscriptions of that store follow each category and a third
// goroutine keeps asking SafeProgress for the first category. Each
// subscription must see exactly its category's events, in order, and
// SafeProgress must never answer past an event of the category that the
// asker has not consumed.
func TestTailServesFilteredSubscriptions(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 24)
	ctx := t.Context()
	s := newStore(t, pool, Config{TailCapacity: 64, TailPageSize: 10, PollInterval: 10 * time.Second})

	cctx, stop := context.WithCancel(ctx)
	defer stop()
	var consumers sync.WaitGroup
	cols := map[string]*collector{"tailA": newCollector(), "tailB": newCollector()}
	for cat, col := range cols {
		sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{cat}}})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		consumers.Go(func() {
			for {
				e, err := sub.Recv(cctx)
				if err != nil {
					return
				}
				if eventlog.Category(e.StreamID) != cat {
					t.Errorf("subscription to %s got an event of %s", cat, e.StreamID)
				}
				col.add(e)
			}
		})
	}
	// The progress checker: every answer must be below the first event of
	// tailA that it has not read itself.
	var progressErrs []string
	consumers.Go(func() {
		filter := eventlog.Filter{Categories: []string{"tailA"}}
		after := eventlog.Start
		for cctx.Err() == nil {
			p, err := s.SafeProgress(cctx, after, filter)
			if err != nil {
				return
			}
			next, err := s.ReadAll(cctx, eventlog.ReadAllOptions{After: after, Filter: filter, Max: 1})
			if err != nil {
				return
			}
			if len(next) > 0 && !p.Less(next[0].Position) && len(progressErrs) < 5 {
				progressErrs = append(progressErrs, "progress "+p.String()+" passes unread event at "+next[0].Position.String())
			}
			if len(next) > 0 {
				after = next[0].Position
			} else {
				after = p
			}
		}
	})

	deadline := time.Now().Add(2 * time.Second)
	want := map[string]map[string]bool{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for cat := range cols {
		wg.Go(func() {
			ids, err := appendUntil(ctx, s, cat, 8, deadline)
			if err != nil {
				t.Error(err)
			}
			m := map[string]bool{}
			for _, id := range ids {
				m[id] = true
			}
			mu.Lock()
			want[cat] = m
			mu.Unlock()
		})
	}
	wg.Wait()
	wait := time.Now().Add(20 * time.Second)
	for time.Now().Before(wait) && (cols["tailA"].events.Load() < int64(len(want["tailA"])) || cols["tailB"].events.Load() < int64(len(want["tailB"]))) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	stop()
	consumers.Wait()
	for cat, col := range cols {
		col.check(t, cat, want[cat])
	}
	for _, e := range progressErrs {
		t.Error(e)
	}
	t.Logf("appended %d + %d events", len(want["tailA"]), len(want["tailB"]))
}

// TestTailKeepsStatisticsCurrent: with a subscription open (the tail runs),
// enough appends make the store ANALYZE its tables by itself.
func TestTailKeepsStatisticsCurrent(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	ctx := t.Context()
	s := newStore(t, pool, Config{AnalyzeEvery: 50})
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for range 60 {
		if _, err := s.Append(ctx, "stats-"+newEvent().ID[:8], eventlog.NoStream(), []eventlog.EventData{newEvent()}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var analyzed bool
		if err := pool.QueryRow(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables
 WHERE schemaname = 'eventstore' AND relname = 'events'`).Scan(&analyzed); err != nil {
			t.Fatal(err)
		}
		if analyzed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("eventstore.events was not analyzed after 60 appends with AnalyzeEvery 50")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
