package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

// attemptCounter is a counter that counts the attempts at its poison events.
type attemptCounter struct {
	counter
	poisonAttempts atomic.Int64
}

func (c *attemptCounter) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	if env.Recorded.Type == PoisonType && c.failing.Load() {
		c.poisonAttempts.Add(1)
	}
	return c.counter.Apply(ctx, tx, env)
}

// While catching up, the transport delivers the backlog in pages (several
// events per message). A poison event in the middle of a page is retried and
// parked alone, and every other event takes effect exactly once (the
// counter's applied table has the event id as primary key).
func TestPagePoisonIsParkedAloneAndTheRestAppliedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &attemptCounter{counter: counter{name: "paged", version: 1}}
	c.failing.Store(true)
	eng := newEngine(t, e, testConfig(), c)
	ctx := context.Background()

	appendN(t, e.store, "job-1", "JobQueued_v1", 130)
	appendN(t, e.store, "job-2", PoisonType, 1)
	head := appendN(t, e.store, "job-3", "JobQueued_v1", 700)
	start(t, eng)

	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	parked, err := eng.Parked(ctx, "paged")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || parked[0].StreamID != "job-2" {
		t.Fatalf("parked %+v", parked)
	}
	if got, want := c.poisonAttempts.Load(), int64(testConfig().Retry.Attempts()); got != want {
		t.Errorf("poison event attempted %d times, want %d", got, want)
	}
	want := []streamCount{{"job-1", 130, 129}, {"job-3", 700, 699}}
	if diff := cmp.Diff(want, readCounts(t, e.pool, "paged")); diff != "" {
		t.Fatalf("read model (-want +got):\n%s", diff)
	}
	var applied int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM paged.applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 830 {
		t.Fatalf("%d events applied, want 830", applied)
	}
}

// Under the stop policy, a poison event in the middle of a page stops the
// projector right before it: the events before it are committed, none after
// it; once fixed, the projector goes on and applies each event once.
func TestPagePoisonStopsTheProjectorAtIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &attemptCounter{counter: counter{name: "paged_strict", version: 1}}
	c.failing.Store(true)
	cfg := testConfig()
	cfg.Poison = engine.PoisonStop
	eng := newEngine(t, e, cfg, c)
	ctx := context.Background()

	before := appendN(t, e.store, "job-1", "JobQueued_v1", 130)
	appendN(t, e.store, "job-2", PoisonType, 1)
	head := appendN(t, e.store, "job-3", "JobQueued_v1", 700)
	start(t, eng)

	eventually(t, 20*time.Second, "stop error in status", func() bool {
		return statusOf(t, eng, "paged_strict").LastError != ""
	})
	if st := statusOf(t, eng, "paged_strict"); st.Checkpoint != before || st.Parked != 0 {
		t.Fatalf("status %+v, want the checkpoint at %s", st, before)
	}
	want := []streamCount{{"job-1", 130, 129}}
	if diff := cmp.Diff(want, readCounts(t, e.pool, "paged_strict")); diff != "" {
		t.Fatalf("stopped (-want +got):\n%s", diff)
	}

	c.failing.Store(false)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "paged_strict")); diff != "" {
		t.Fatalf("after the fix (-want +got):\n%s", diff)
	}
}
