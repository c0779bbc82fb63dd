package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

// recorder is a reaction's side effect in memory: the events it was handed,
// in order, and the attempts per event.
type recorder struct {
	mu        sync.Mutex
	delivered []string       // event ids, in the order of successful deliveries
	attempts  map[string]int // per event id, failed ones included
	// fail, when set, decides whether an attempt fails.
	fail func(env eventlog.Envelope) error
}

func newRecorder() *recorder { return &recorder{attempts: map[string]int{}} }

func (r *recorder) handle(_ context.Context, env eventlog.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts[env.Recorded.ID]++
	if r.fail != nil {
		if err := r.fail(env); err != nil {
			return err
		}
	}
	r.delivered = append(r.delivered, env.Recorded.ID)
	return nil
}

func (r *recorder) setFail(f func(env eventlog.Envelope) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = f
}

func (r *recorder) snapshot() (delivered []string, attempts map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attempts = make(map[string]int, len(r.attempts))
	for k, v := range r.attempts {
		attempts[k] = v
	}
	return slices.Clone(r.delivered), attempts
}

// logIDs returns the ids of the events of the log the filter lets through,
// in log order.
func logIDs(t testing.TB, store eventlog.Store, f eventlog.Filter) []string {
	t.Helper()
	var ids []string
	after := eventlog.Start
	for {
		page, err := store.ReadAll(context.Background(), eventlog.ReadAllOptions{After: after, Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page {
			after = ev.Position
			if f.Match(ev.StreamID, ev.Type) {
				ids = append(ids, ev.ID)
			}
		}
		if len(page) < 1000 {
			return ids
		}
	}
}

func reactionStatus(t testing.TB, eng *engine.Engine, name string) engine.Status {
	t.Helper()
	st := statusOf(t, eng, name)
	if st.Kind != engine.KindReaction {
		t.Fatalf("%s has kind %q", name, st.Kind)
	}
	return st
}

func TestReactionDeliversInOrderFromItsCheckpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 5 {
		appendN(t, e.store, fmt.Sprintf("order-%d", i), "Placed_v1", 20)
		appendN(t, e.store, fmt.Sprintf("other-%d", i), "Noise_v1", 5)
	}
	f := eventlog.Filter{Categories: []string{"order"}}
	rec := newRecorder()
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{{Name: "notify", Filter: f, Handle: rec.handle}}
	eng := newEngine(t, e, cfg, &counter{name: "beside", version: 1})
	stop := start(t, eng)

	head := appendN(t, e.store, "other-9", "Noise_v1", 3)
	want := logIDs(t, e.store, f)
	eventually(t, 20*time.Second, "every order event delivered, checkpoint at the head", func() bool {
		got, _ := rec.snapshot()
		st := reactionStatus(t, eng, "notify")
		return len(got) == len(want) && st.Checkpoint == head && st.Lag == 0 && st.RunningHere
	})
	stop()
	got, _ := rec.snapshot()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("deliveries (-want +got):\n%s", diff)
	}

	// Started again, it goes on from its checkpoint: only new events.
	rec2 := newRecorder()
	cfg.Reactions = []eventlog.Reaction{{Name: "notify", Filter: f, Handle: rec2.handle}}
	eng2 := newEngine(t, e, cfg)
	start(t, eng2)
	appendN(t, e.store, "order-7", "Placed_v1", 2)
	want2 := logIDs(t, e.store, f)[len(want):]
	eventually(t, 20*time.Second, "the two new events delivered", func() bool {
		got, _ := rec2.snapshot()
		return len(got) == 2
	})
	got2, _ := rec2.snapshot()
	if diff := cmp.Diff(want2, got2); diff != "" {
		t.Fatalf("after restart (-want +got):\n%s", diff)
	}
}

func TestReactionRetriesThenParksAndGoesOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	rec.setFail(func(env eventlog.Envelope) error {
		if env.Recorded.Type == PoisonType {
			return errors.New("smtp 451: try later")
		}
		return nil
	})
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{{Name: "mailer", Handle: rec.handle, MaxAttempts: 3, Backoff: time.Millisecond}}
	eng := newEngine(t, e, cfg)
	ctx := context.Background()

	// Appended before the start: the poison events fall inside a catch-up.
	appendN(t, e.store, "mail-1", "Sent_v1", 50)
	appendN(t, e.store, "mail-2", PoisonType, 1)
	appendN(t, e.store, "mail-3", PoisonType, 1)
	head := appendN(t, e.store, "mail-1", "Sent_v1", 50)
	start(t, eng)

	eventually(t, 20*time.Second, "the reaction went past the poison events", func() bool {
		st := reactionStatus(t, eng, "mailer")
		return st.Checkpoint == head && st.Parked == 2
	})
	poisonIDs := logIDs(t, e.store, eventlog.Filter{EventTypes: []string{PoisonType}})
	var poison, healthy []string
	for _, id := range logIDs(t, e.store, eventlog.Filter{}) {
		if slices.Contains(poisonIDs, id) {
			poison = append(poison, id)
		} else {
			healthy = append(healthy, id)
		}
	}
	got, attempts := rec.snapshot()
	if diff := cmp.Diff(healthy, got); diff != "" {
		t.Fatalf("deliveries (-want +got):\n%s", diff)
	}
	for _, id := range poison {
		if attempts[id] != 3 {
			t.Errorf("poison event %s: %d attempts, want 3", id, attempts[id])
		}
	}

	parked, err := eng.Parked(ctx, "mailer")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Kind       engine.Kind
		Projection string
		Consumer   string
		EventID    string
		Type       string
		Attempts   int
	}
	var rows []row
	for _, p := range parked {
		rows = append(rows, row{p.Kind, p.Projection, p.Consumer, p.EventID, p.Type, p.Attempts})
		if !strings.Contains(p.Error, "smtp 451") || p.ParkedAt.IsZero() {
			t.Errorf("parked %+v", p)
		}
	}
	want := []row{
		{engine.KindReaction, "mailer", "mailer", poison[0], PoisonType, 3},
		{engine.KindReaction, "mailer", "mailer", poison[1], PoisonType, 3},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("parked (-want +got):\n%s", diff)
	}
	// The list of every consumer's parked events has them too.
	if every, err := eng.Parked(ctx, ""); err != nil || len(every) != 2 {
		t.Fatalf("Parked(\"\") = %+v, %v", every, err)
	}

	// Later events are delivered as they come.
	live := appendN(t, e.store, "mail-1", "Sent_v1", 1)
	eventually(t, 10*time.Second, "a live event after the parked ones", func() bool {
		return reactionStatus(t, eng, "mailer").Checkpoint == live
	})

	// A replay while the cause persists fails and counts the attempt.
	if err := eng.ReplayParked(ctx, parked[0].ID); err == nil || !strings.Contains(err.Error(), "smtp 451") {
		t.Fatalf("replay while failing: %v", err)
	}
	again, _ := eng.Parked(ctx, "mailer")
	if again[0].Attempts != 4 {
		t.Errorf("attempts after a failed replay: %d", again[0].Attempts)
	}

	// Fixed: replay one (delivered once more), skip the other.
	rec.setFail(nil)
	if err := eng.ReplayParked(ctx, parked[0].ID); err != nil {
		t.Fatal(err)
	}
	got, _ = rec.snapshot()
	if got[len(got)-1] != poison[0] {
		t.Errorf("last delivery %s, want the replayed %s", got[len(got)-1], poison[0])
	}
	if err := eng.ReplayParked(ctx, parked[0].ID); !errors.Is(err, engine.ErrParkedNotFound) {
		t.Errorf("second replay: %v", err)
	}
	if err := eng.SkipParked(ctx, parked[1].ID); err != nil {
		t.Fatal(err)
	}
	if left, _ := eng.Parked(ctx, ""); len(left) != 0 {
		t.Fatalf("still parked: %+v", left)
	}
	if st := reactionStatus(t, eng, "mailer"); st.Parked != 0 {
		t.Errorf("status after replay and skip: %+v", st)
	}
}

func TestReactionStopsAtAnUnavailableDestination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	var down atomic.Bool
	down.Store(true)
	rec.setFail(func(env eventlog.Envelope) error {
		if down.Load() {
			return fmt.Errorf("%w: connection refused", eventlog.ErrUnavailable)
		}
		return nil
	})
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{{Name: "publish", Handle: rec.handle, MaxAttempts: 2}}
	eng := newEngine(t, e, cfg)
	appendN(t, e.store, "pub-1", "Thing_v1", 5)
	start(t, eng)

	eventually(t, 10*time.Second, "the outage shows in the status", func() bool {
		return strings.Contains(reactionStatus(t, eng, "publish").LastError, "connection refused")
	})
	_, attempts := rec.snapshot()
	if len(attempts) != 1 {
		t.Fatalf("attempted %d events during the outage, want only the first", len(attempts))
	}
	if parked, _ := eng.Parked(context.Background(), "publish"); len(parked) != 0 {
		t.Fatalf("parked during an outage: %+v", parked)
	}

	down.Store(false)
	want := logIDs(t, e.store, eventlog.Filter{})
	eventually(t, 10*time.Second, "every event once the destination is back", func() bool {
		got, _ := rec.snapshot()
		return len(got) == len(want)
	})
	got, _ := rec.snapshot()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("deliveries (-want +got):\n%s", diff)
	}
	eventually(t, 10*time.Second, "the error is cleared", func() bool {
		return reactionStatus(t, eng, "publish").LastError == ""
	})
}

// TestReactionOpenAndClose: a reaction holding a resource gets it opened for
// each run and for a replay, and closed after.
func TestReactionOpenAndClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var opened, closed atomic.Int32
	rec := newRecorder()
	rec.setFail(func(env eventlog.Envelope) error {
		if env.Recorded.Type == PoisonType {
			return errors.New("rejected")
		}
		return nil
	})
	open := func(context.Context) (eventlog.ReactionFunc, func(), error) {
		opened.Add(1)
		return rec.handle, func() { closed.Add(1) }, nil
	}
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{{Name: "held", Open: open, MaxAttempts: 1, Raw: true}}
	eng := newEngine(t, e, cfg)
	appendN(t, e.store, "held-1", "Unknown_v9", 3)
	head := appendN(t, e.store, "held-1", PoisonType, 1)
	stop := start(t, eng)
	eventually(t, 10*time.Second, "caught up", func() bool { return reactionStatus(t, eng, "held").Checkpoint == head })
	stop()
	if opened.Load() != 1 || closed.Load() != 1 {
		t.Fatalf("after one run: opened %d, closed %d", opened.Load(), closed.Load())
	}
	parked, err := eng.Parked(context.Background(), "held")
	if err != nil || len(parked) != 1 {
		t.Fatalf("parked %+v, %v", parked, err)
	}
	rec.setFail(nil)
	if err := eng.ReplayParked(context.Background(), parked[0].ID); err != nil {
		t.Fatal(err)
	}
	if opened.Load() != 2 || closed.Load() != 2 {
		t.Fatalf("after a replay: opened %d, closed %d", opened.Load(), closed.Load())
	}
}

// TestReactionRunsInOneProcess runs one reaction in two engines on one
// database: the deliveries never overlap, and when the engine delivering
// stops, the other takes over from the checkpoint.
func TestReactionRunsInOneProcess(t *testing.T) {
	t.Parallel()
	e1 := newEnv(t)
	e2 := openEnv(t, e1.dsn)
	const n = 200
	for i := range 4 {
		appendN(t, e1.store, fmt.Sprintf("one-%d", i), "Thing_v1", n/4)
	}
	var (
		inFlight, maxInFlight atomic.Int32
		mu                    sync.Mutex
		by                    = map[string][]string{} // engine → event ids
	)
	reaction := func(label string) eventlog.Reaction {
		return eventlog.Reaction{Name: "single", Handle: func(ctx context.Context, env eventlog.Envelope) error {
			cur := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				m := maxInFlight.Load()
				if cur <= m || maxInFlight.CompareAndSwap(m, cur) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			by[label] = append(by[label], env.Recorded.ID)
			mu.Unlock()
			return nil
		}}
	}
	cfg1, cfg2 := testConfig(), testConfig()
	cfg1.Reactions = []eventlog.Reaction{reaction("one")}
	cfg2.Reactions = []eventlog.Reaction{reaction("two")}
	eng1, eng2 := newEngine(t, e1, cfg1), newEngine(t, e2, cfg2)
	stop1, stop2 := start(t, eng1), start(t, eng2)
	count := func(label string) int {
		mu.Lock()
		defer mu.Unlock()
		return len(by[label])
	}
	eventually(t, 20*time.Second, "a third delivered", func() bool { return count("one")+count("two") >= n/3 })
	first, stopFirst, other := "one", stop1, eng2
	if count("two") > 0 {
		first, stopFirst, other = "two", stop2, eng1
	}
	stopFirst()
	eventually(t, 20*time.Second, "the other engine took over and finished", func() bool {
		st := reactionStatus(t, other, "single")
		return st.RunningHere && st.Lag == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(by["one"]) == 0 || len(by["two"]) == 0 {
		t.Fatalf("deliveries by engine one %d, two %d: no takeover", len(by["one"]), len(by["two"]))
	}
	if m := maxInFlight.Load(); m != 1 {
		t.Fatalf("%d deliveries at once across two engines, want 1", m)
	}
	seen := map[string]bool{}
	for _, id := range slices.Concat(by["one"], by["two"]) {
		seen[id] = true
	}
	for _, id := range logIDs(t, e1.store, eventlog.Filter{}) {
		if !seen[id] {
			t.Errorf("event %s never delivered", id)
		}
	}
	t.Logf("engine %s delivered %d events before it stopped; engine one %d, engine two %d in all", first, len(by[first]), len(by["one"]), len(by["two"]))
}

func TestResetReactionCheckpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{{Name: "again", Handle: rec.handle}}
	eng := newEngine(t, e, cfg)
	mid := appendN(t, e.store, "again-1", "Thing_v1", 10)
	head := appendN(t, e.store, "again-1", "Thing_v1", 10)
	start(t, eng)
	eventually(t, 10*time.Second, "caught up", func() bool { return reactionStatus(t, eng, "again").Checkpoint == head })
	if err := eng.ResetCheckpoint(context.Background(), "again", mid); err != nil {
		t.Fatal(err)
	}
	all := logIDs(t, e.store, eventlog.Filter{})
	want := slices.Concat(all, all[10:])
	eventually(t, 10*time.Second, "the last ten delivered again", func() bool {
		got, _ := rec.snapshot()
		return len(got) == len(want) && reactionStatus(t, eng, "again").Checkpoint == head
	})
	got, _ := rec.snapshot()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("deliveries (-want +got):\n%s", diff)
	}
}

func TestConsumerNamesAreUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	noop := func(context.Context, eventlog.Envelope) error { return nil }
	run := func(context.Context, time.Time) error { return nil }
	for _, tc := range []struct {
		name string
		cfg  func(*engine.Config)
	}{
		{"reaction named like a projector", func(c *engine.Config) {
			c.Reactions = []eventlog.Reaction{{Name: "taken", Handle: noop}}
		}},
		{"job named like a reaction", func(c *engine.Config) {
			c.Reactions = []eventlog.Reaction{{Name: "twice", Handle: noop}}
			c.Jobs = []eventlog.Job{{Name: "twice", Every: time.Second, Run: run}}
		}},
		{"dashes", func(c *engine.Config) {
			c.Reactions = []eventlog.Reaction{{Name: "mail-guides", Handle: noop}}
		}},
		{"no handler", func(c *engine.Config) {
			c.Reactions = []eventlog.Reaction{{Name: "idle"}}
		}},
		{"job without interval", func(c *engine.Config) {
			c.Jobs = []eventlog.Job{{Name: "often", Run: run}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.cfg(&cfg)
			if _, err := engine.New(e.pool, e.store, testDecoder{}, cfg, &counter{name: "taken", version: 1}); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}
