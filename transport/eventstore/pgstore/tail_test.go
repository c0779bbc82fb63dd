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

// TestAppendsKeepStatisticsCurrent: enough appends make the store ANALYZE
// its tables by itself, whether or not anything subscribes.
func TestAppendsKeepStatisticsCurrent(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	ctx := t.Context()
	s := newStore(t, pool, Config{AnalyzeEvery: 50})
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

// TestTailRecordsLocalWrites: a write of this process lands in the tail
// before its Append returns, without waiting for the notification and a read,
// and exactly as the log stores it. A write of another process (a second
// Store) cannot be recorded, nor a local one right after it; the tail then
// catches up by reading, by itself, and the following local writes are
// recorded again.
func TestTailRecordsLocalWrites(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	ctx := t.Context()
	s := newStore(t, pool, Config{PollInterval: 10 * time.Second})
	other := newStore(t, pool, Config{TailCapacity: -1})
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	head := func() eventlog.Position {
		s.tail.mu.Lock()
		defer s.tail.mu.Unlock()
		return s.tail.head
	}
	// The subscription started the tail, which positions itself by a read
	// of its own (until then, Recv reads the database): wait until it holds
	// the first append, so that the appends below find it at their start.
	var first eventlog.AppendResult
	if first, err = s.Append(ctx, "record-first", eventlog.NoStream(), []eventlog.EventData{newEvent()}); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Recv(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); head().Less(first.Position); {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the first append (%s) the tail's head is %s", first.Position, head())
		}
		time.Sleep(time.Millisecond)
	}
	appendTo := func(st *Store, stream string) eventlog.Position {
		res, err := st.Append(ctx, stream, eventlog.Any(), []eventlog.EventData{newEvent(), newEvent()})
		if err != nil {
			t.Fatal(err)
		}
		return res.Position
	}
	for i := range 20 {
		store, stream := s, "record-local"
		if i%5 == 3 {
			store, stream = other, "record-other"
		}
		pos := appendTo(store, stream)
		switch i % 5 {
		case 3: // another process's write: the tail cannot record it
		case 4: // nor a local write right after it; but it reads them now
			deadline := time.Now().Add(10 * time.Second)
			for head().Less(pos) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if head().Less(pos) {
				t.Fatalf("append %d returned %s; 10 s later the tail's head is still %s", i, pos, head())
			}
		default:
			if h := head(); h.Less(pos) {
				t.Errorf("append %d returned %s, the tail's head is still %s", i, pos, h)
			}
		}
	}
	// Everything the subscription got from the tail equals the log.
	stored, err := s.ReadAll(ctx, eventlog.ReadAllOptions{After: first.Position, Max: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range stored {
		got, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.StreamID != want.StreamID || got.Version != want.Version || got.Position != want.Position ||
			got.Type != want.Type || string(got.Data) != string(want.Data) || string(got.Metadata) != string(want.Metadata) ||
			!got.RecordedAt.Equal(want.RecordedAt) {
			t.Fatalf("event %d: the subscription got %+v, the log holds %+v", i, got, want)
		}
	}
	if len(stored) != 40 {
		t.Fatalf("the log holds %d events after the first, want 40", len(stored))
	}
}

// TestOtherProcessesHearOfAppends: an append is announced after its commit,
// so a subscription of another Store (another process) gets it at once, not
// at its safety poll; and Close announces what it wrote last.
func TestOtherProcessesHearOfAppends(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	ctx := t.Context()
	writer := newStore(t, pool, Config{})
	for _, tail := range []int{0, -1} {
		reader := newStore(t, pool, Config{PollInterval: time.Hour, TailCapacity: tail})
		head, err := reader.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := reader.SubscribeAll(ctx, eventlog.SubscribeOptions{After: head})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			res, err := writer.Append(ctx, "announced-"+newEvent().ID[:8], eventlog.NoStream(), []eventlog.EventData{newEvent()})
			if err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			got, err := sub.Recv(rctx)
			cancel()
			if err != nil || got.Position != res.Position {
				t.Fatalf("tail %d: the other store's subscription got %v, %v; want the event at %s", tail, got.Position, err, res.Position)
			}
		}
		sub.Close()
	}
}

// TestSubscriptionsReportTheirBacklog: Backlog is true after every event but
// the last known one, both for history read from the database in pages and
// for events the tail holds, so that consumers batch and checkpoint by it.
func TestSubscriptionsReportTheirBacklog(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	ctx := t.Context()
	s := newStore(t, pool, Config{SubscriptionPageSize: 100, PollInterval: 10 * time.Second})
	appendN := func(n int) (last eventlog.Position) {
		t.Helper()
		for n > 0 {
			batch := make([]eventlog.EventData, min(n, 50))
			for i := range batch {
				batch[i] = newEvent()
			}
			res, err := s.Append(ctx, "backlog-1", eventlog.Any(), batch)
			if err != nil {
				t.Fatal(err)
			}
			n -= len(batch)
			last = res.Position
		}
		return last
	}
	appendN(250) // history, before the tail starts: read in pages of 100, 100 and 50
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	reporter, ok := sub.(eventlog.BacklogReporter)
	if !ok {
		t.Fatal("a pgstore subscription does not report its backlog")
	}
	recvAll := func(what string, n int) {
		t.Helper()
		for i := range n {
			if _, err := sub.Recv(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := reporter.Backlog(), i < n-1; got != want {
				t.Fatalf("%s: after event %d of %d Backlog is %v, want %v", what, i+1, n, got, want)
			}
		}
	}
	recvAll("history", 250)
	last := appendN(150) // recorded by the tail, given out as 100 and 50
	// Should the tail have been behind these appends (still positioning),
	// it reads them in the background: wait until it holds them all.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.tail.mu.Lock()
		head := s.tail.head
		s.tail.mu.Unlock()
		if !head.Less(last) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tail's head is %s, 10 s after the append of %s", head, last)
		}
		time.Sleep(time.Millisecond)
	}
	recvAll("live", 150)
}
