package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/pgtest"
)

func TestCatchUpThenLive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 10 {
		appendN(t, e.store, fmt.Sprintf("card-%d", i), "CardUsed_v1", i+1)
	}
	c := &counter{name: "cards", version: 1}
	eng := newEngine(t, e, testConfig(), c)
	start(t, eng)

	ctx := context.Background()
	head := appendN(t, e.store, "card-0", "CardUsed_v1", 1)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "cards")); diff != "" {
		t.Fatalf("after catch-up (-want +got):\n%s", diff)
	}

	// Live: every append is visible after WaitFor.
	for i := range 20 {
		pos := appendN(t, e.store, fmt.Sprintf("card-live%d", i%3), "CardUsed_v1", 1)
		if err := eng.WaitFor(ctx, pos, "cards"); err != nil {
			t.Fatal(err)
		}
		got := readCounts(t, e.pool, "cards")
		if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), got); diff != "" {
			t.Fatalf("live %d (-want +got):\n%s", i, diff)
		}
	}

	st := statusOf(t, eng, "cards")
	if st.ActiveGeneration != 1 || st.Lag != 0 || st.Checkpoint != st.Head || st.Parked != 0 || st.Rebuilding || !st.RunningHere {
		t.Errorf("status %+v", st)
	}
}

func TestThousandsOfWaiters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eng := newEngine(t, e, testConfig(), &counter{name: "crowd", version: 1})
	start(t, eng)
	ctx := context.Background()
	if err := eng.WaitFor(ctx, appendN(t, e.store, "crowd-0", "Came_v1", 1)); err != nil {
		t.Fatal(err)
	}
	// Waiters for positions that do not exist yet: 2,000 of them.
	const n = 2000
	base := appendN(t, e.store, "crowd-0", "Came_v1", 1)
	errs := make(chan error, n)
	for i := range n {
		target := eventlog.Position{Commit: base.Commit + 1 + uint64(i%50), Prepare: base.Prepare + 1 + uint64(i%50)}
		go func() { errs <- eng.WaitFor(ctx, target, "crowd") }()
	}
	for range 10 {
		appendN(t, e.store, "crowd-1", "Came_v1", 10)
	}
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("waiters still waiting")
		}
	}
}

func TestWaitForNamesTheLaggingProjection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pos := appendN(t, e.store, "card-1", "CardUsed_v1", 3)
	eng := newEngine(t, e, testConfig(), &counter{name: "idle", version: 1})
	// Not running: the projection never gets there.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := eng.WaitFor(ctx, pos)
	var lag *engine.LagError
	if !errors.As(err, &lag) || lag.Projection != "idle" || lag.Want != pos || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor = %v, want a LagError for idle", err)
	}
	if err := eng.WaitFor(context.Background(), pos, "nope"); !errors.Is(err, engine.ErrUnknownProjection) {
		t.Fatalf("WaitFor(unknown) = %v", err)
	}
	if st := statusOf(t, eng, "idle"); st.Head != pos || st.Lag != 3 || st.Checkpoint != eventlog.Start || st.RunningHere {
		t.Fatalf("status of a projector nobody runs: %+v", st)
	}
}

func TestFilteredProjectorCheckpointReachesHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &counter{name: "wanted", version: 1, filter: eventlog.Filter{Categories: []string{"wanted"}}}
	eng := newEngine(t, e, testConfig(), c)
	start(t, eng)
	ctx := context.Background()
	appendN(t, e.store, "wanted-1", "Thing_v1", 2)
	// Events the projector ignores still move its checkpoint, soon enough
	// for read-your-writes.
	for i := range 5 {
		pos := appendN(t, e.store, "other-1", "Thing_v1", 3)
		began := time.Now()
		if err := eng.WaitFor(ctx, pos); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Errorf("round %d: WaitFor for ignored events took %s", i, d)
		}
	}
	if diff := cmp.Diff(expectedCounts(t, e.store, c.filter), readCounts(t, e.pool, "wanted")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestPoisonEventIsParkedThenReplayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &counter{name: "jobs", version: 1}
	c.failing.Store(true)
	eng := newEngine(t, e, testConfig(), c)
	ctx := context.Background()

	// Appended before the engine starts, so the poisoned events fall in the
	// middle of catch-up batches.
	appendN(t, e.store, "job-1", "JobQueued_v1", 100)
	appendN(t, e.store, "job-2", PoisonType, 1)
	appendN(t, e.store, "job-3", PoisonType, 1)
	head := appendN(t, e.store, "job-1", "JobQueued_v1", 100)
	start(t, eng)

	// The projector moves on past the poisoned events.
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	parked, err := eng.Parked(ctx, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 {
		t.Fatalf("parked %+v", parked)
	}
	for _, p := range parked {
		if p.Type != PoisonType || p.Attempts != 3 || p.Consumer != "jobs__g1" || p.Error == "" || p.ParkedAt.IsZero() {
			t.Errorf("parked event %+v", p)
		}
	}
	if st := statusOf(t, eng, "jobs"); st.Parked != 2 || st.Lag != 0 {
		t.Errorf("status %+v", st)
	}
	wantWithout := []streamCount{{"job-1", 200, 199}}
	if diff := cmp.Diff(wantWithout, readCounts(t, e.pool, "jobs")); diff != "" {
		t.Fatalf("while parked (-want +got):\n%s", diff)
	}

	// Replaying while the cause persists fails and counts the attempt.
	if err := eng.ReplayParked(ctx, parked[0].ID); err == nil {
		t.Fatal("replay succeeded while the projector still fails")
	}
	again, _ := eng.Parked(ctx, "jobs")
	if again[0].Attempts != 4 {
		t.Errorf("attempts after a failed replay: %d", again[0].Attempts)
	}

	// Fixed: replay one, skip the other.
	c.failing.Store(false)
	if err := eng.ReplayParked(ctx, parked[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := eng.SkipParked(ctx, parked[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := eng.SkipParked(ctx, parked[1].ID); !errors.Is(err, engine.ErrParkedNotFound) {
		t.Fatalf("second skip: %v", err)
	}
	if err := eng.ReplayParked(ctx, parked[1].ID); !errors.Is(err, engine.ErrParkedNotFound) {
		t.Fatalf("replay of a skipped event: %v", err)
	}
	want := []streamCount{{"job-1", 200, 199}, {"job-2", 1, 0}}
	if diff := cmp.Diff(want, readCounts(t, e.pool, "jobs")); diff != "" {
		t.Fatalf("after replay (-want +got):\n%s", diff)
	}
	if left, _ := eng.Parked(ctx, "jobs"); len(left) != 0 {
		t.Fatalf("still parked: %+v", left)
	}
}

func TestStopPolicyHoldsTheProjectorUntilFixed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &counter{name: "strict", version: 1}
	c.failing.Store(true)
	cfg := testConfig()
	cfg.Poison = engine.PoisonStop
	eng := newEngine(t, e, cfg, c)
	start(t, eng)
	ctx := context.Background()

	before := appendN(t, e.store, "job-1", "JobQueued_v1", 2)
	appendN(t, e.store, "job-2", PoisonType, 1)
	head := appendN(t, e.store, "job-1", "JobQueued_v1", 1)
	if err := eng.WaitFor(ctx, before); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "stop error in status", func() bool {
		return statusOf(t, eng, "strict").LastError != ""
	})
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := eng.WaitFor(short, head); err == nil {
		t.Fatal("projector went past the failing event under the stop policy")
	}
	if st := statusOf(t, eng, "strict"); st.Checkpoint != before || st.Parked != 0 {
		t.Fatalf("status %+v", st)
	}
	c.failing.Store(false)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "strict")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestResetCheckpointReplaysFromThere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &counter{name: "resettable", version: 1}
	eng := newEngine(t, e, testConfig(), c)
	start(t, eng)
	ctx := context.Background()
	first := appendN(t, e.store, "a-1", "A_v1", 3)
	head := appendN(t, e.store, "a-2", "A_v1", 2)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	// Forward: skip what comes next.
	skipTo := appendN(t, e.store, "a-3", "A_v1", 2)
	if err := eng.ResetCheckpoint(ctx, "resettable", skipTo); err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitFor(ctx, skipTo); err != nil {
		t.Fatal(err)
	}
	last := appendN(t, e.store, "a-1", "A_v1", 1)
	if err := eng.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	got := readCounts(t, e.pool, "resettable")
	// a-3 was either skipped or applied before the reset; a-1 always has 4.
	if got[0] != (streamCount{"a-1", 4, 3}) {
		t.Fatalf("counts %+v", got)
	}
	_ = first
}

func TestConfigDefaultsAndValidate(t *testing.T) {
	t.Parallel()
	if _, err := engine.New(nil, nil, nil, engine.Config{}); err == nil {
		t.Error("New without pool accepted")
	}
	e := newEnv(t)
	if _, err := engine.New(e.pool, e.store, testDecoder{}, engine.Config{}); err == nil {
		t.Error("config without Transport accepted")
	}
	cfg := testConfig()
	cfg.Poison = "sometimes"
	if _, err := engine.New(e.pool, e.store, testDecoder{}, cfg); err == nil {
		t.Error("unknown poison policy accepted")
	}
	for _, name := range []string{"Cards", "a__b", "pg_x", "projection", "1x", "x_"} {
		if _, err := engine.New(e.pool, e.store, testDecoder{}, testConfig(), &counter{name: name, version: 1}); err == nil {
			t.Errorf("projector name %q accepted", name)
		}
	}
	if _, err := engine.New(e.pool, e.store, testDecoder{}, testConfig(), &counter{name: "x", version: 1}, &counter{name: "x", version: 1}); err == nil {
		t.Error("two projectors with one name accepted")
	}
}

// TestPrepareMakesTheViewsBeforeRun: the server can answer a query before
// the engine runs: the views exist, empty.
func TestPrepareMakesTheViewsBeforeRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eng := newEngine(t, e, testConfig(), &counter{name: "early", version: 1})
	if err := eng.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM early.counts`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("count: %d, %v", n, err)
	}
}

// TestWaitHearsAnotherProcess: a process that does not run a projector learns
// its progress only by notification. Process 1 runs it; process 2 appends
// and waits for it. Through the event store's listening connection
// (engine.Config.Notices, as the server's engine listens) each process has
// one listening connection; an engine listening alone adds its own.
func TestWaitHearsAnotherProcess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		newEngine func(testing.TB, *env, engine.Config, ...engine.Projector) *engine.Engine
		listening int // connections whose last statement was a LISTEN
	}{
		{"through the store", newEngine, 2},
		{"alone", newEngineListeningAlone, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e1 := newEnv(t)
			e2 := openEnv(t, e1.dsn)
			start(t, tc.newEngine(t, e1, testConfig(), &counter{name: "heard", version: 1}))
			waiter := tc.newEngine(t, e2, testConfig(), &counter{name: "heard", version: 1})
			ctx := context.Background()
			for i := range 5 {
				pos := appendN(t, e2.store, fmt.Sprintf("heard-%d", i), "Came_v1", 1)
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := waiter.WaitFor(wctx, pos, "heard")
				cancel()
				if err != nil {
					t.Fatalf("append %d: %v", i, err)
				}
			}
			pgtest.WaitListening(t, e1.pool, tc.listening)
		})
	}
}

// TestActiveRunAnnouncesWhereItStarts: a checkpoint can move without a
// notice (the run that built a generation commits its last events after the
// switch, as a building run, which announces nothing). The process that
// starts running the active generation announces where it starts, so a
// waiter in another process hears it without a further event.
func TestActiveRunAnnouncesWhereItStarts(t *testing.T) {
	t.Parallel()
	e1 := newEnv(t)
	e2 := openEnv(t, e1.dsn)
	ctx := context.Background()
	stop := start(t, newEngine(t, e1, testConfig(), &counter{name: "announced", version: 1}))
	first := appendN(t, e1.store, "announced-1", "Came_v1", 1)
	waiter := newEngine(t, e2, testConfig(), &counter{name: "announced", version: 1})
	if err := waiter.WaitFor(ctx, first, "announced"); err != nil {
		t.Fatal(err)
	}
	stop()
	// The silent commit: the checkpoint moves past new events, no notice.
	last := appendN(t, e1.store, "announced-2", "Came_v1", 2)
	if _, err := e1.pool.Exec(ctx, `UPDATE projection.checkpoints SET commit_pos = $2, prepare_pos = $3 WHERE name = $1`,
		"announced__g1", int64(last.Commit), int64(last.Prepare)); err != nil {
		t.Fatal(err)
	}
	heard := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		heard <- waiter.WaitFor(wctx, last, "announced")
	}()
	start(t, newEngine(t, e1, testConfig(), &counter{name: "announced", version: 1}))
	if err := <-heard; err != nil {
		t.Fatal(err)
	}
}
