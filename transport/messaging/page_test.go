package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/messaging"
)

func TestPageMessageRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 21, 17, 45, 1, 123456789, time.UTC)
	events := []eventlog.RecordedEvent{
		{ID: "a", StreamID: "card-1", Version: 0, Position: eventlog.Position{Commit: 7, Prepare: 7}, Type: "CardIssued_v1",
			Data: []byte(`{"x":1}`), Metadata: []byte(`{"correlation_id":"c"}`), RecordedAt: at},
		{ID: "b", StreamID: "card-1", Version: 1, Position: eventlog.Position{Commit: 9, Prepare: 8}, Type: "CardUsed_v1",
			Data: []byte(`{}`), RecordedAt: at.Add(time.Nanosecond).In(time.FixedZone("x", 3600))},
		{ID: "c", StreamID: "card-2", Version: 1 << 40, Position: eventlog.Position{Commit: 1 << 62, Prepare: 1 << 62}, Type: "CardUsed_v1",
			Data: nil, Metadata: []byte(`{}`), RecordedAt: time.Date(1960, 1, 1, 0, 0, 0, 1, time.UTC)},
	}
	page := messaging.NewPageMessage(events)
	if !messaging.IsPage(page) || messaging.IsProgress(page) {
		t.Fatal("page message not recognised")
	}
	if got, want := page.Metadata.Get(messaging.MetadataPosition), events[2].Position.String(); got != want {
		t.Fatalf("page position %q, want %q", got, want)
	}
	if _, err := messaging.EventFromMessage(page); err == nil {
		t.Fatal("EventFromMessage accepted a page")
	}
	got, err := messaging.EventsFromPage(page.Copy())
	if err != nil {
		t.Fatal(err)
	}
	// Each event reads back exactly as its own event message does.
	if diff := cmp.Diff(asEventMessages(t, events), got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}

	// A damaged page is an error, not a shorter page.
	damaged := messaging.NewPageMessage(events)
	damaged.Payload = damaged.Payload[:len(damaged.Payload)-3]
	if _, err := messaging.EventsFromPage(damaged); err == nil {
		t.Fatal("truncated page accepted")
	}
	damaged = messaging.NewPageMessage(events)
	damaged.Metadata.Set(messaging.MetadataPage, "2")
	if _, err := messaging.EventsFromPage(damaged); err == nil {
		t.Fatal("page with extra bytes accepted")
	}
}

// asEventMessages returns events as each one's own event message gives it.
func asEventMessages(t *testing.T, events []eventlog.RecordedEvent) []eventlog.RecordedEvent {
	t.Helper()
	out := make([]eventlog.RecordedEvent, 0, len(events))
	for _, ev := range events {
		w, err := messaging.EventFromMessage(messaging.NewEventMessage(ev))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, w)
	}
	return out
}

// appendBacklog appends n events to stream in one append, the one at poison
// (if in range) of type "Poison_v1", and returns their positions.
func appendBacklog(t *testing.T, store eventlog.Store, stream string, n, poison int) []eventlog.Position {
	t.Helper()
	data := make([]eventlog.EventData, n)
	for i := range data {
		typ := "JobQueued_v1"
		if i == poison {
			typ = "Poison_v1"
		}
		data[i] = eventlog.EventData{ID: uuid.NewString(), Type: typ, Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}
	}
	if _, err := store.Append(context.Background(), stream, eventlog.Any(), data); err != nil {
		t.Fatal(err)
	}
	all, err := store.ReadAll(context.Background(), eventlog.ReadAllOptions{Max: n + 1})
	if err != nil {
		t.Fatal(err)
	}
	var out []eventlog.Position
	for _, ev := range all {
		if ev.StreamID == stream {
			out = append(out, ev.Position)
		}
	}
	if len(out) != n {
		t.Fatalf("read %d events back, want %d", len(out), n)
	}
	return out
}

// pageRecorder is a consumer's handler that records what it handled and how
// it was delivered.
type pageRecorder struct {
	mu       sync.Mutex
	poison   eventlog.Position
	attempts map[eventlog.Position]int
	handled  []eventlog.Position
	pages    atomic.Int64
}

func (r *pageRecorder) handler() message.NoPublishHandlerFunc {
	h := messaging.EventHandler(func(_ context.Context, ev eventlog.RecordedEvent, _ bool) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.attempts[ev.Position]++
		if ev.Position == r.poison {
			return errors.New("poison")
		}
		r.handled = append(r.handled, ev.Position)
		return nil
	}, nil)
	return func(msg *message.Message) error {
		if messaging.IsPage(msg) {
			r.pages.Add(1)
		}
		return h(msg)
	}
}

func (r *pageRecorder) snapshot() ([]eventlog.Position, map[eventlog.Position]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attempts := make(map[eventlog.Position]int, len(r.attempts))
	for k, v := range r.attempts {
		attempts[k] = v
	}
	return append([]eventlog.Position(nil), r.handled...), attempts
}

// A poison event inside a page is retried and parked alone; the events before
// and after it are handled once each, in order.
func TestPagePoisonInTheMiddleIsParkedAlone(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	const n, poisonAt = 700, 300
	positions := appendBacklog(t, store, "job-9", n, poisonAt)
	rec := &pageRecorder{poison: positions[poisonAt], attempts: map[eventlog.Position]int{}}
	var parkedMu sync.Mutex
	var parked []eventlog.Position

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- messaging.RunConsumer(ctx, messaging.ConsumerConfig{
			Name: "paged", Store: store, Checkpoints: &checkpoints{pos: map[string]eventlog.Position{}},
			PageSize: 64,
			Router: messaging.RouterConfig{
				Retry: messaging.RetryConfig{MaxRetries: 2, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond},
				Parker: messaging.EventParkerFunc(func(_ context.Context, _ string, ev eventlog.RecordedEvent, _ error) error {
					parkedMu.Lock()
					defer parkedMu.Unlock()
					parked = append(parked, ev.Position)
					return nil
				}),
			},
			Handler: rec.handler(),
		}, nil)
	}()

	want := append(append([]eventlog.Position(nil), positions[:poisonAt]...), positions[poisonAt+1:]...)
	deadline := time.Now().Add(20 * time.Second)
	for {
		handled, _ := rec.snapshot()
		if len(handled) >= len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of %d events", len(handled), len(want))
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunConsumer: %v", err)
	}
	handled, attempts := rec.snapshot()
	if diff := cmp.Diff(want, handled); diff != "" {
		t.Fatalf("handled (-want +got):\n%s", diff)
	}
	if got := attempts[positions[poisonAt]]; got != 3 {
		t.Errorf("poison event attempted %d times, want 3 (as without pages)", got)
	}
	parkedMu.Lock()
	if diff := cmp.Diff([]eventlog.Position{positions[poisonAt]}, parked); diff != "" {
		t.Errorf("parked (-want +got):\n%s", diff)
	}
	parkedMu.Unlock()
	if rec.pages.Load() == 0 {
		t.Error("the backlog was delivered without pages")
	}
}

// Under the stop policy, a poison event inside a page stops the consumer at
// that event: every event before it handled once, none after it, and the
// poison attempted as often as without pages.
func TestPagePoisonInTheMiddleStopsThere(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{-1, 1, 2} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			const n, poisonAt = 500, 200
			positions := appendBacklog(t, store, "job-8", n, poisonAt)
			rec := &pageRecorder{poison: positions[poisonAt], attempts: map[eventlog.Position]int{}}
			retry := messaging.RetryConfig{MaxRetries: retries, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond}
			err := messaging.RunConsumer(context.Background(), messaging.ConsumerConfig{
				Name: "paged_strict", Store: store, Checkpoints: &checkpoints{pos: map[string]eventlog.Position{}},
				PageSize: 64,
				Router:   messaging.RouterConfig{Retry: retry, Poison: messaging.PoisonStop},
				Handler:  rec.handler(),
			}, nil)
			var stopped *messaging.StoppedError
			if !errors.As(err, &stopped) || stopped.Consumer != "paged_strict" || !strings.Contains(err.Error(), "poison") {
				t.Fatalf("RunConsumer = %v, want a StoppedError for the poison", err)
			}
			handled, attempts := rec.snapshot()
			if diff := cmp.Diff(positions[:poisonAt], handled); diff != "" {
				t.Fatalf("handled (-want +got):\n%s", diff)
			}
			if got, want := attempts[positions[poisonAt]], retry.Attempts(); got != want {
				t.Errorf("poison event attempted %d times, want %d", got, want)
			}
			if rec.pages.Load() == 0 {
				t.Error("the backlog was delivered without pages")
			}
		})
	}
}

// A page delivered in this process carries its events in its context, not
// in a payload, and its handler gets each event as its own event message
// would give it (times in UTC among them).
func TestPageInProcessCarriesItsEvents(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	const n = 300
	appendBacklog(t, store, "job-7", n, -1)
	stored, err := store.ReadAll(context.Background(), eventlog.ReadAllOptions{Max: n})
	if err != nil {
		t.Fatal(err)
	}
	want := asEventMessages(t, stored)
	var (
		mu       sync.Mutex
		got      []eventlog.RecordedEvent
		pages    int
		payloads int
	)
	handle := messaging.EventHandler(func(_ context.Context, ev eventlog.RecordedEvent, _ bool) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- messaging.RunConsumer(ctx, messaging.ConsumerConfig{
			Name: "paged_in_process", Store: store, Checkpoints: &checkpoints{pos: map[string]eventlog.Position{}},
			PageSize: 64,
			Router:   messaging.RouterConfig{Poison: messaging.PoisonStop},
			Handler: func(msg *message.Message) error {
				if messaging.IsPage(msg) {
					mu.Lock()
					pages++
					payloads += len(msg.Payload)
					mu.Unlock()
				}
				return handle(msg)
			},
		}, nil)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		k := len(got)
		mu.Unlock()
		if k >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of %d events", k, n)
		}
		select {
		case err := <-done:
			t.Fatalf("RunConsumer ended: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunConsumer: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if pages == 0 {
		t.Fatal("the backlog was delivered without pages")
	}
	if payloads != 0 {
		t.Errorf("in-process pages carried %d bytes of payload, want none", payloads)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	for _, ev := range got {
		if ev.RecordedAt.Location() != time.UTC {
			t.Fatalf("event %s recorded at %v, not in UTC", ev.ID, ev.RecordedAt)
		}
	}

	// A page whose context holds another number of events than its
	// metadata says is an error.
	page := messaging.NewPageMessage(stored[:3])
	page.SetContext(context.Background())
	if evs, err := messaging.EventsFromPage(page); err != nil || len(evs) != 3 {
		t.Fatalf("payload page: %d events, %v", len(evs), err)
	}
}

// BenchmarkEventsFromPage decodes a live-sized page of card uses (32 events of
// about 600 bytes of data and metadata each).
func BenchmarkEventsFromPage(b *testing.B) {
	events := make([]eventlog.RecordedEvent, 32)
	for i := range events {
		events[i] = eventlog.RecordedEvent{ID: uuid.NewString(), StreamID: fmt.Sprintf("card-%d", 1_000_000+i), Type: "CardUsed",
			Position: eventlog.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}, RecordedAt: time.Now(),
			Data: []byte(strings.Repeat("d", 400)), Metadata: []byte(strings.Repeat("m", 200))}
	}
	page := messaging.NewPageMessage(events)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := messaging.EventsFromPage(page); err != nil {
			b.Fatal(err)
		}
	}
}
