package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
)

// reactChildEnv names the database a re-executed test binary runs the
// delivering reaction on, instead of running the tests.
const reactChildEnv = "ENGINE_REACT_CHILD_DSN"

// deliveries records the side effect of the "deliver" reaction in the
// test's database: one row per event, counting its deliveries.
const deliveriesDDL = `CREATE TABLE deliveries (event_id text PRIMARY KEY, n int NOT NULL)`

func deliverReaction(pool *pgxpool.Pool) eventlog.Reaction {
	return eventlog.Reaction{Name: "deliver", Handle: func(ctx context.Context, env eventlog.Envelope) error {
		_, err := pool.Exec(ctx, `
INSERT INTO deliveries (event_id, n) VALUES ($1, 1)
ON CONFLICT (event_id) DO UPDATE SET n = deliveries.n + 1`, env.Recorded.ID)
		return err
	}}
}

// reactChild is the child process: it runs the delivering reaction until
// it is killed.
func reactChild(dsn string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer pool.Close()
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer store.Close()
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{deliverReaction(pool)}
	eng, err := engine.New(pool, store, testDecoder{}, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer eng.Close()
	if err := eng.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

func deliveryCounts(t *testing.T, e *env) map[string]int {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT event_id, n FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReactionDeliveredAtLeastOnceAcrossACrash kills (SIGKILL) a process
// running a reaction in the middle of a 6,000-event catch-up: its checkpoint
// never passes an event it has not delivered. Another process then goes on
// from that checkpoint: every event is delivered, those up to the checkpoint
// exactly once, the ones after it at least once.
func TestReactionDeliveredAtLeastOnceAcrossACrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("re-executes the test binary over 6,000 events")
	}
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, deliveriesDDL); err != nil {
		t.Fatal(err)
	}
	for s := range 60 {
		appendN(t, e.store, fmt.Sprintf("deliver-%d", s), "Tick_v1", 100)
	}
	events := logIDs(t, e.store, eventlog.Filter{})
	positions := map[string]eventlog.Position{}
	for after := eventlog.Start; ; {
		page, err := e.store.ReadAll(ctx, eventlog.ReadAllOptions{After: after, Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page {
			positions[ev.ID] = ev.Position
			after = ev.Position
		}
		if len(page) < 1000 {
			break
		}
	}

	child := startChildAs(t, reactChildEnv, e.dsn)
	eventually(t, 60*time.Second, "the child delivered 1,500 events", func() bool { return len(deliveryCounts(t, e)) >= 1500 })
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()

	eng := newEngine(t, e, testConfig()) // reads the checkpoint only
	cp, err := eng.Checkpoint(ctx, "deliver")
	if err != nil {
		t.Fatal(err)
	}
	atKill := deliveryCounts(t, e)
	if len(atKill) >= len(events) {
		t.Fatalf("the child delivered all %d events before it was killed", len(events))
	}
	for _, id := range events {
		if !cp.Less(positions[id]) && atKill[id] == 0 {
			t.Fatalf("checkpoint %s is past event %s at %s, which was never delivered", cp, id, positions[id])
		}
	}
	t.Logf("killed after %d of %d deliveries; checkpoint %s", len(atKill), len(events), cp)

	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{deliverReaction(e.pool)}
	eng = newEngine(t, e, cfg)
	start(t, eng)
	eventually(t, 60*time.Second, "every event delivered", func() bool { return len(deliveryCounts(t, e)) == len(events) })
	final := deliveryCounts(t, e)
	again := 0
	for _, id := range events {
		switch n := final[id]; {
		case !cp.Less(positions[id]) && n != 1:
			t.Errorf("event %s at %s, covered by the checkpoint %s, delivered %d times", id, positions[id], cp, n)
		case n > 1:
			again++
		}
	}
	t.Logf("%d events delivered again after the crash (handled after the last saved checkpoint)", again)
}
