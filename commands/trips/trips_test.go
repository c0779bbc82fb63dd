package trips_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	tripscmd "github.com/fiveapis/backend/commands/trips"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/trips"
)

// slugs draws from a fixed list, so tests can make slugs collide.
type slugs struct {
	mu   sync.Mutex
	list []string
}

func (s *slugs) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.list[0]
	if len(s.list) > 1 {
		s.list = s.list[1:]
	}
	return v
}

func TestSlugCollisionDrawsAgain(t *testing.T) {
	t.Parallel()
	env := handlingtest.New(t, trips.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 11, 7, 9, 0, 0, 0, time.UTC))
	src := &slugs{list: []string{"aaaaaaaaaaaa", "aaaaaaaaaaaa", "aaaaaaaaaaaa", "bbbbbbbbbbbb"}}
	h := tripscmd.New(env.Runner(handling.Config{}), clock, src.next)
	ctx := context.Background()
	first, err := h.CreatePlan(ctx, tripscmd.CreatePlan{Actor: access.Actor{UserID: 1}, Plan: trips.Plan{Title: "一"}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.CreatePlan(ctx, tripscmd.CreatePlan{Actor: access.Actor{UserID: 2}, Plan: trips.Plan{Title: "二"}})
	if err != nil {
		t.Fatal(err)
	}
	if first.Created.Slug != "aaaaaaaaaaaa" || second.Created.Slug != "bbbbbbbbbbbb" {
		t.Fatalf("slugs %s, %s: the collision was not drawn again", first.Created.Slug, second.Created.Slug)
	}
}

// TestConcurrentLikesCountOnce: 20 goroutines like one trip as the same
// caller and 20 as different callers; the first caller counts once.
func TestConcurrentLikesCountOnce(t *testing.T) {
	t.Parallel()
	env := handlingtest.New(t, trips.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 11, 7, 9, 0, 0, 0, time.UTC))
	h := tripscmd.New(env.Runner(handling.Config{}), clock, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	counted := map[string]int{}
	for i := range 40 {
		caller := "asame"
		if i%2 == 1 {
			caller = "u" + string(rune('a'+i))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.React(ctx, tripscmd.React{TripID: 1, Kind: trips.KindLike, Caller: caller})
			if err != nil {
				t.Error(err)
				return
			}
			if res.Counted {
				mu.Lock()
				counted[caller]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(counted) != 21 {
		t.Errorf("%d callers counted, want 21", len(counted))
	}
	for c, n := range counted {
		if n != 1 {
			t.Errorf("caller %s counted %d times", c, n)
		}
	}
}

// TestConcurrentItemsOnOneTrip: 24 goroutines add items to one trip at
// once; every decision folds trip-<id> and appends with its version, so
// all 24 land, with distinct ids, and none is lost.
func TestConcurrentItemsOnOneTrip(t *testing.T) {
	t.Parallel()
	env := handlingtest.New(t, trips.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 11, 7, 9, 0, 0, 0, time.UTC))
	h := tripscmd.New(env.Runner(handling.Config{MaxAttempts: 200}), clock, nil)
	ctx := context.Background()
	author := access.Actor{UserID: 1}
	c, err := h.CreatePlan(ctx, tripscmd.CreatePlan{Actor: author, Plan: trips.Plan{Title: "并发"}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.AddItems(ctx, tripscmd.AddItems{Actor: author, TripID: c.Created.TripID,
				Items: []trips.Item{{Title: "item"}}}); err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	history, _, err := env.Streams.Load(ctx, trips.TripStream(c.Created.TripID))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(trips.TripFrom(history).Items); got != 24 {
		t.Errorf("%d items on the trip, want 24", got)
	}
}
