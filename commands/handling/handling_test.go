package handling_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"

	"github.com/fiveapis/backend/commands/handling/handlingtest"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore"
)

// counted is a test event: N is the number of events its decision saw.
type counted struct {
	N int `json:"n"`
}

func (counted) EventType() string { return "Counted_v1" }

func newStreams(t *testing.T) *eventstore.Streams {
	t.Helper()
	return handlingtest.New(t, counted{}).Streams
}

// countNext decides one event recording how many events it saw.
func countNext(history []eventlog.Envelope) ([]eventlog.Event, error) {
	return []eventlog.Event{counted{N: len(history)}}, nil
}

func TestConcurrentDecisionsEachSeeTheExactHistory(t *testing.T) {
	t.Parallel()
	streams := newStreams(t)
	r := handling.NewRunner(streams, handling.Config{MaxAttempts: 100})
	const writers = 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Execute(context.Background(), "counter-1", eventlog.Metadata{}, countNext); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("execute: %v", err)
	}
	history, last, err := streams.Load(context.Background(), "counter-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != writers || last == nil || *last != writers-1 {
		t.Fatalf("stream has %d events, last version %v; want %d", len(history), last, writers)
	}
	for i, env := range history {
		if got := env.Event.(counted).N; got != i {
			t.Fatalf("event %d was decided over %d events: a decision saw a stale history", i, got)
		}
	}
}

func TestNoEventsMeansNoAppend(t *testing.T) {
	t.Parallel()
	streams := newStreams(t)
	r := handling.NewRunner(streams, handling.Config{})
	res, err := r.Execute(context.Background(), "counter-2", eventlog.Metadata{}, func([]eventlog.Envelope) ([]eventlog.Event, error) { return nil, nil })
	if err != nil || len(res.Events) != 0 || !res.Append.Position.IsStart() {
		t.Fatalf("no-op decision: %+v, %v", res, err)
	}
	if h, _, _ := streams.Load(context.Background(), "counter-2"); len(h) != 0 {
		t.Fatalf("a no-op decision appended %d events", len(h))
	}
}

func TestDomainErrorEndsTheLoop(t *testing.T) {
	t.Parallel()
	r := handling.NewRunner(newStreams(t), handling.Config{})
	refused := errors.New("refused")
	calls := 0
	_, err := r.Execute(context.Background(), "counter-3", eventlog.Metadata{}, func([]eventlog.Envelope) ([]eventlog.Event, error) {
		calls++
		return nil, refused
	})
	if !errors.Is(err, refused) || calls != 1 {
		t.Fatalf("err %v after %d calls; want the domain error after 1", err, calls)
	}
}

func TestConflictOnEveryAttemptGivesErrConflict(t *testing.T) {
	t.Parallel()
	streams := newStreams(t)
	r := handling.NewRunner(streams, handling.Config{MaxAttempts: 3})
	ctx := context.Background()
	attempts := 0
	_, err := r.Execute(ctx, "counter-4", eventlog.Metadata{}, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		attempts++
		// Another writer appends after this decision read the stream.
		if _, err := streams.Append(ctx, "counter-4", eventlog.Any(), []eventlog.Event{counted{N: -1}}, eventlog.Metadata{}); err != nil {
			return nil, err
		}
		return countNext(history)
	})
	if !errors.Is(err, handling.ErrConflict) || attempts != 3 {
		t.Fatalf("err %v after %d attempts; want ErrConflict after 3", err, attempts)
	}
}

func TestAllocateIDsGivesDisjointContiguousRanges(t *testing.T) {
	t.Parallel()
	r := handling.NewRunner(newStreams(t), handling.Config{MaxAttempts: 200})
	const allocators, size = 12, 5
	var (
		mu     sync.Mutex
		ranges []sequence.IDsAllocated
		wg     sync.WaitGroup
	)
	for range allocators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := r.AllocateIDs(context.Background(), "widget", size, "test", eventlog.Metadata{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ranges = append(ranges, a)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].First < ranges[j].First })
	next := int64(1)
	for _, a := range ranges {
		if a.First != next || a.Last != a.First+size-1 {
			t.Fatalf("ranges %+v: not disjoint and contiguous from 1", ranges)
		}
		next = a.Last + 1
	}
	if next != allocators*size+1 {
		t.Fatalf("allocated up to %d, want %d", next-1, allocators*size)
	}
}
