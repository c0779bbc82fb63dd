package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

// sqlPoisoned is a Pipelined counter whose poison events fail in PostgreSQL,
// so, inside a pipelined catch-up batch, the failure only shows when the
// queued statements are sent: for some later event, or at the commit.
type sqlPoisoned struct{ counter }

func (*sqlPoisoned) Pipelined() bool { return true }

func (c *sqlPoisoned) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	r := env.Recorded
	if r.Type == PoisonType {
		_, err := tx.Exec(ctx, `INSERT INTO applied (event_id, position) VALUES ($1, $2::bigint / 0)`, r.ID, int64(r.Position.Commit))
		return err
	}
	return c.counter.Apply(ctx, tx, env)
}

func TestPipelinedBatchFailureParksOnlyTheFailingEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &sqlPoisoned{counter{name: "piped", version: 1}}
	eng := newEngine(t, e, testConfig(), c)
	ctx := context.Background()

	// Before the engine starts: the poison falls inside catch-up batches.
	appendN(t, e.store, "job-1", "JobQueued_v1", 300)
	appendN(t, e.store, "job-2", PoisonType, 1)
	appendN(t, e.store, "job-1", "JobQueued_v1", 300)
	appendN(t, e.store, "job-3", PoisonType, 1)
	head := appendN(t, e.store, "job-4", "JobQueued_v1", 50)
	start(t, eng)

	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	parked, err := eng.Parked(ctx, "piped")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 || parked[0].StreamID != "job-2" || parked[1].StreamID != "job-3" {
		t.Fatalf("parked %+v", parked)
	}
	// Every other event applied exactly once (applied has the event id as
	// its primary key: a second application would have been parked too).
	want := []streamCount{{"job-1", 600, 599}, {"job-4", 50, 49}}
	if diff := cmp.Diff(want, readCounts(t, e.pool, "piped")); diff != "" {
		t.Fatalf("read model (-want +got):\n%s", diff)
	}
	if st := statusOf(t, eng, "piped"); st.Parked != 2 || st.Lag != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestPipelinedCatchUpMatchesTheLog: a pipelined projector builds the same
// read model as the log says, across catch-up batches and live events.
func TestPipelinedCatchUpMatchesTheLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &sqlPoisoned{counter{name: "piped2", version: 1}}
	eng := newEngine(t, e, testConfig(), c)
	ctx := context.Background()
	for i := range 5 {
		appendN(t, e.store, "job-"+string(rune('a'+i)), "JobQueued_v1", 400)
	}
	start(t, eng)
	head := appendN(t, e.store, "job-z", "JobQueued_v1", 10)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "piped2")); diff != "" {
		t.Fatalf("read model (-want +got):\n%s", diff)
	}
	if parked, _ := eng.Parked(ctx, "piped2"); len(parked) != 0 {
		t.Fatalf("parked %+v", parked)
	}
}

// TestPipelinedLiveEventFailureIsParked: a live event (its own transaction)
// of a Pipelined projector that fails in PostgreSQL is parked, and the
// events around it are applied once.
func TestPipelinedLiveEventFailureIsParked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &sqlPoisoned{counter{name: "piped3", version: 1}}
	eng := newEngine(t, e, testConfig(), c)
	ctx := context.Background()
	start(t, eng)
	if err := eng.WaitFor(ctx, appendN(t, e.store, "job-1", "JobQueued_v1", 1)); err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitFor(ctx, appendN(t, e.store, "job-2", PoisonType, 1)); err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitFor(ctx, appendN(t, e.store, "job-1", "JobQueued_v1", 1)); err != nil {
		t.Fatal(err)
	}
	parked, err := eng.Parked(ctx, "piped3")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || parked[0].StreamID != "job-2" || parked[0].Error == "" {
		t.Fatalf("parked %+v", parked)
	}
	if diff := cmp.Diff([]streamCount{{"job-1", 2, 1}}, readCounts(t, e.pool, "piped3")); diff != "" {
		t.Fatalf("read model (-want +got):\n%s", diff)
	}
}

// sqlBatchPoisoned is sqlPoisoned as a BatchApplier: a catch-up batch's
// events reach it together at the commit, where a poison event's failure
// fails the whole batch.
type sqlBatchPoisoned struct{ sqlPoisoned }

func (c *sqlBatchPoisoned) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope) error {
	for _, env := range events {
		if err := c.Apply(ctx, tx, env); err != nil {
			return err
		}
	}
	return nil
}

// TestRebuildCommitsInFlightApplyEveryEventOnce: a generation being built
// commits its batches in flight (the next batch is collected while the last
// one commits). With small batches, poison events whose failure shows only
// at a batch's commit, and writes going on, the rebuilt read model still
// holds every other event exactly once, and only the poison is parked.
func TestRebuildCommitsInFlightApplyEveryEventOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    engine.Projector
	}{
		{"pipelined", &sqlPoisoned{counter{name: "flying", version: 1}}},
		{"batch-applier", &sqlBatchPoisoned{sqlPoisoned{counter{name: "flying_batch", version: 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cfg := testConfig()
			cfg.MaxBatch, cfg.RebuildMaxBatch = 50, 50
			eng := newEngine(t, e, cfg, tc.p)
			ctx := context.Background()
			name := tc.p.Name()
			for i := range 8 {
				appendN(t, e.store, fmt.Sprintf("job-%d", i%3), "JobQueued_v1", 170)
				if i == 2 || i == 5 {
					appendN(t, e.store, fmt.Sprintf("poison-%d", i), PoisonType, 1)
				}
			}
			start(t, eng)
			head := appendN(t, e.store, "job-0", "JobQueued_v1", 1)
			if err := eng.WaitFor(ctx, head); err != nil {
				t.Fatal(err)
			}

			stopWriting := keepAppending(t, e.store, "job", "JobQueued_v1", 4, 3, time.Millisecond)
			if err := eng.Rebuild(ctx, name); err != nil {
				t.Fatal(err)
			}
			eventually(t, 30*time.Second, "switch to generation 2", func() bool {
				st := statusOf(t, eng, name)
				return st.ActiveGeneration == 2 && !st.Rebuilding
			})
			stopWriting()
			if err := eng.WaitFor(ctx, appendN(t, e.store, "job-0", "JobQueued_v1", 1)); err != nil {
				t.Fatal(err)
			}

			// The poison streams hold only poison events: what the read
			// model must hold is every other event of the log.
			want := expectedCounts(t, e.store, eventlog.Filter{EventTypes: []string{"JobQueued_v1"}})
			if diff := cmp.Diff(want, readCounts(t, e.pool, name)); diff != "" {
				t.Fatalf("rebuilt read model (-want +got):\n%s", diff)
			}
			parked, err := eng.Parked(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			var inNew []string
			for _, p := range parked {
				if p.Consumer == name+"__g2" {
					inNew = append(inNew, p.StreamID)
				}
			}
			if diff := cmp.Diff([]string{"poison-2", "poison-5"}, inNew); diff != "" {
				t.Fatalf("parked in the new generation (-want +got):\n%s\nall: %+v", diff, parked)
			}
		})
	}
}
