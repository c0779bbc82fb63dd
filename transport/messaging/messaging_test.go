package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/messaging"
	"github.com/fiveapis/backend/transport/pgtest"
)

// checkpoints is an in-memory CheckpointReader: the consumers of these tests
// keep their checkpoint in memory too.
type checkpoints struct {
	mu  sync.Mutex
	pos map[string]eventlog.Position
}

func (c *checkpoints) Checkpoint(_ context.Context, name string) (eventlog.Position, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos[name], nil
}

func newStore(t *testing.T) *pgstore.Store {
	t.Helper()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return store
}

func appendEvents(t *testing.T, store eventlog.Store, stream, typ string, n int) []eventlog.AppendResult {
	t.Helper()
	var out []eventlog.AppendResult
	for i := range n {
		res, err := store.Append(context.Background(), stream, eventlog.Any(), []eventlog.EventData{{
			ID:       uuid.NewString(),
			Type:     typ,
			Data:     []byte(fmt.Sprintf(`{"i":%d}`, i)),
			Metadata: []byte(`{"correlation_id":"c-1"}`),
		}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

func receive(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10s")
	}
	return nil
}

func TestSubscriberDeliversInOrderFromCheckpoint(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	results := appendEvents(t, store, "order-1", "OrderPlaced_v1", 5)

	cps := &checkpoints{pos: map[string]eventlog.Position{"reader": results[1].Position}}
	sub := messaging.NewLogSubscriber(store, cps, nil)
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := sub.Subscribe(ctx, "reader")
	if err != nil {
		t.Fatal(err)
	}

	want, err := store.ReadAll(ctx, eventlog.ReadAllOptions{After: results[1].Position})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		m := receive(t, ch)
		if i == 1 {
			// A nack sends the same event again.
			m.Nack()
			m = receive(t, ch)
		}
		got, err := messaging.EventFromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Fatalf("event %d (-want +got):\n%s", i, diff)
		}
		if m.UUID != w.ID || string(m.Payload) != string(w.Data) {
			t.Fatalf("message %d: uuid %s payload %s", i, m.UUID, m.Payload)
		}
		if got, want := m.Metadata.Get(messaging.MetadataPosition), w.Position.String(); got != want {
			t.Fatalf("position metadata %q, want %q", got, want)
		}
		// Nothing else comes before the ack.
		select {
		case extra := <-ch:
			t.Fatalf("message %s delivered before the ack", extra.UUID)
		case <-time.After(20 * time.Millisecond):
		}
		m.Ack()
	}

	// Live events follow.
	live := appendEvents(t, store, "order-2", "OrderPlaced_v1", 1)
	m := receive(t, ch)
	if got := m.Metadata.Get(messaging.MetadataPosition); got != live[0].Position.String() {
		t.Fatalf("live position %s, want %s", got, live[0].Position)
	}
	m.Ack()

	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("message after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

// headStore hides pgstore's own capabilities but Head, which it reads from
// the table the way the adapter does (positions become visible in order
// there).
type headStore struct {
	eventlog.Store
	pool *pgxpool.Pool
}

// plainStore hides every optional capability of the store: the subscriber
// then scans the log for progress.
type plainStore struct{ eventlog.Store }

func (s headStore) Head(ctx context.Context) (eventlog.Position, error) {
	var p int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM eventstore.events`).Scan(&p)
	return eventlog.Position{Commit: uint64(p), Prepare: uint64(p)}, err
}

func TestSubscriberProgressForFilteredConsumer(t *testing.T) {
	t.Parallel()
	for _, capability := range []string{"scan", "head", "progress"} {
		t.Run(capability, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t)
			if err := pgstore.Migrate(context.Background(), pool); err != nil {
				t.Fatal(err)
			}
			pg, err := pgstore.New(pool, pgstore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pg.Close)
			var store eventlog.Store
			switch capability {
			case "scan":
				store = plainStore{pg}
			case "head":
				store = headStore{pg, pool}
			default:
				store = pg
			}
			appendEvents(t, store, "wanted-1", "Wanted_v1", 1)
			skipped := appendEvents(t, store, "other-1", "Other_v1", 3)

			cps := &checkpoints{pos: map[string]eventlog.Position{}}
			nudge := make(chan struct{}, 1)
			sub := messaging.NewLogSubscriber(store, cps, nil,
				messaging.WithFilter("filtered", eventlog.Filter{Categories: []string{"wanted"}}),
				messaging.WithProgress("filtered"),
				messaging.WithNudge("filtered", nudge),
				messaging.WithIdleInterval(time.Hour, time.Hour), // only nudges trigger progress
			)
			defer sub.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, err := sub.Subscribe(ctx, "filtered")
			if err != nil {
				t.Fatal(err)
			}
			m := receive(t, ch)
			if messaging.IsProgress(m) || m.Metadata.Get(messaging.MetadataStream) != "wanted-1" {
				t.Fatalf("first message: %v", m.Metadata)
			}
			m.Ack()
			nudge <- struct{}{}
			m = receive(t, ch)
			if !messaging.IsProgress(m) {
				t.Fatalf("want a progress message, got %v", m.Metadata)
			}
			pos, err := messaging.MessagePosition(m)
			if err != nil {
				t.Fatal(err)
			}
			if want := skipped[len(skipped)-1].Position; pos != want {
				t.Fatalf("progress to %s, want %s", pos, want)
			}
			if _, err := messaging.EventFromMessage(m); err == nil {
				t.Fatal("EventFromMessage accepted a progress message")
			}
			m.Ack()

			// A wanted event after ignored ones: progress stops before it
			// and the event itself follows.
			appendEvents(t, store, "other-1", "Other_v1", 2)
			wanted := appendEvents(t, store, "wanted-1", "Wanted_v1", 1)
			m = receive(t, ch)
			if messaging.IsProgress(m) {
				// The nudge raced the append: progress may only cover ignored events.
				if p, _ := messaging.MessagePosition(m); !p.Less(wanted[0].Position) {
					t.Fatalf("progress to %s passes the wanted event at %s", p, wanted[0].Position)
				}
				m.Ack()
				m = receive(t, ch)
			}
			if got := m.Metadata.Get(messaging.MetadataPosition); got != wanted[0].Position.String() {
				t.Fatalf("got %s, want the wanted event at %s", got, wanted[0].Position)
			}
			m.Ack()
		})
	}
}

type parked struct {
	consumer string
	ev       eventlog.RecordedEvent
	err      error
}

func TestRouterRetriesThenParks(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	results := appendEvents(t, store, "job-1", "JobQueued_v1", 3)
	poison := results[1].Position

	var (
		mu       sync.Mutex
		attempts = map[eventlog.Position]int{}
		handled  []eventlog.Position
		parkedCh = make(chan parked, 10)
	)
	cps := &checkpoints{pos: map[string]eventlog.Position{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- messaging.RunConsumer(ctx, messaging.ConsumerConfig{
			Name: "mailer", Store: store, Checkpoints: cps,
			Router: messaging.RouterConfig{
				Retry: messaging.RetryConfig{MaxRetries: 2, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond},
				Parker: messaging.EventParkerFunc(func(_ context.Context, consumer string, ev eventlog.RecordedEvent, err error) error {
					parkedCh <- parked{consumer, ev, err}
					return nil
				}),
			},
			Handler: messaging.EventHandler(func(_ context.Context, ev eventlog.RecordedEvent, _ bool) error {
				mu.Lock()
				defer mu.Unlock()
				attempts[ev.Position]++
				if ev.Position == poison {
					if attempts[ev.Position] == 2 {
						panic("boom") // recovered into an error, retried like one
					}
					return errors.New("smtp down")
				}
				handled = append(handled, ev.Position)
				return nil
			}, nil),
		}, nil)
	}()

	select {
	case p := <-parkedCh:
		if p.consumer != "mailer" || p.ev.Position != poison || p.err == nil {
			t.Fatalf("parked %+v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing parked")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(handled)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled %v", handled)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	if got := attempts[poison]; got != 3 {
		t.Errorf("poisoned event attempted %d times, want 3", got)
	}
	if diff := cmp.Diff([]eventlog.Position{results[0].Position, results[2].Position}, handled); diff != "" {
		t.Errorf("handled (-want +got):\n%s", diff)
	}
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunConsumer after cancel: %v", err)
	}
}

func TestRouterStopPolicyStopsTheConsumer(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	results := appendEvents(t, store, "job-2", "JobQueued_v1", 3)

	var mu sync.Mutex
	var handled []eventlog.Position
	cps := &checkpoints{pos: map[string]eventlog.Position{}}
	err := messaging.RunConsumer(context.Background(), messaging.ConsumerConfig{
		Name: "strict", Store: store, Checkpoints: cps,
		Router: messaging.RouterConfig{
			Retry:  messaging.RetryConfig{MaxRetries: -1},
			Poison: messaging.PoisonStop,
		},
		Handler: messaging.EventHandler(func(_ context.Context, ev eventlog.RecordedEvent, _ bool) error {
			if ev.Position == results[1].Position {
				return errors.New("bad event")
			}
			mu.Lock()
			handled = append(handled, ev.Position)
			mu.Unlock()
			return nil
		}, nil),
	}, nil)
	var stopped *messaging.StoppedError
	if !errors.As(err, &stopped) || stopped.Consumer != "strict" {
		t.Fatalf("RunConsumer = %v, want a StoppedError", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]eventlog.Position{results[0].Position}, handled); diff != "" {
		t.Errorf("handled (-want +got):\n%s", diff)
	}
}

func TestRouterConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := messaging.NewRouter(messaging.RouterConfig{}, nil); err == nil {
		t.Error("skip policy without a Parker accepted")
	}
	if _, err := messaging.NewRouter(messaging.RouterConfig{Poison: "maybe"}, nil); err == nil {
		t.Error("unknown poison policy accepted")
	}
	if _, err := messaging.NewRouter(messaging.RouterConfig{Poison: messaging.PoisonStop}, nil); err != nil {
		t.Errorf("stop policy: %v", err)
	}
	if !messaging.IsStopConsumer(fmt.Errorf("x: %w", messaging.StopConsumer(errors.New("y")))) {
		t.Error("StopConsumer not recognised through wrapping")
	}
}
