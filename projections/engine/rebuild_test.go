package engine_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

func schemaExists(t testing.TB, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// reader queries the view in a loop and records errors and any total that
// went down (the old tables vanishing, or an empty new generation showing).
type reader struct {
	errs   atomic.Int64
	drops  atomic.Int64
	reads  atomic.Int64
	last   atomic.Int64
	first  atomic.Value
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startReaders(t *testing.T, pool *pgxpool.Pool, view string, baseline int64) *reader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &reader{cancel: cancel}
	r.last.Store(baseline)
	// One reader with pgx's cached prepared statements, one with the simple
	// protocol: the switch must suit both.
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			prev := baseline
			for ctx.Err() == nil {
				var n int64
				err := pool.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM `+view, mode).Scan(&n)
				if err != nil {
					if ctx.Err() == nil {
						r.errs.Add(1)
						r.first.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				r.reads.Add(1)
				if n < prev {
					r.drops.Add(1)
					r.first.CompareAndSwap(nil, fmt.Sprintf("total went from %d to %d", prev, n))
				}
				prev = n
			}
		}()
	}
	return r
}

func (r *reader) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	r.wg.Wait()
	if r.errs.Load() > 0 || r.drops.Load() > 0 {
		t.Errorf("readers: %d errors, %d drops in %d reads; first: %v", r.errs.Load(), r.drops.Load(), r.reads.Load(), r.first.Load())
	}
	if r.reads.Load() == 0 {
		t.Error("readers read nothing")
	}
}

func TestRebuildWhileReadersQueryTheView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &counter{name: "board", version: 1}
	eng := newEngine(t, e, testConfig(), c)
	start(t, eng)
	ctx := context.Background()
	var head eventlog.Position
	for i := range 20 {
		head = appendN(t, e.store, fmt.Sprintf("board-%d", i%5), "Moved_v1", 20)
	}
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	readers := startReaders(t, e.pool, "board.counts", 400)

	// Writes keep coming during the rebuild.
	stopWriting := keepAppending(t, e.store, "board", "Moved_v1", 7, 1, 2*time.Millisecond)

	if err := eng.Rebuild(ctx, "board"); err != nil {
		t.Fatal(err)
	}
	if err := eng.Rebuild(ctx, "board"); err != nil { // already rebuilding: no-op
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "switch to generation 2", func() bool {
		st := statusOf(t, eng, "board")
		return st.ActiveGeneration == 2 && !st.Rebuilding
	})
	stopWriting()
	last := appendN(t, e.store, "board-0", "Moved_v1", 1)
	if err := eng.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	if v, err := eng.Known(ctx, "board"); err != nil || v.Generation != 2 || v.Position.Less(last) {
		t.Errorf("Known after the switch: %+v, %v; want generation 2 at %s or later", v, err, last)
	}
	time.Sleep(50 * time.Millisecond)
	readers.stop(t)

	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "board")); diff != "" {
		t.Fatalf("after rebuild (-want +got):\n%s", diff)
	}
	if schemaExists(t, e.pool, "board__g1") || !schemaExists(t, e.pool, "board__g2") {
		t.Error("old generation schema not dropped, or new one missing")
	}
	if st := statusOf(t, eng, "board"); st.Lag != 0 || !st.RunningHere || st.Parked != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestStaleCheckpointNoticesChangeNothing: a notice of an older
// generation, or of an earlier position of the same one (a switch's or a
// reset's notice arriving after this process's own commits), or an earlier
// release's "set", does not move what a process knows back: a waiter would
// otherwise wait for the next event.
func TestStaleCheckpointNoticesChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eng := newEngine(t, e, testConfig(), &counter{name: "stale", version: 1}, &counter{name: "sentinel", version: 1})
	start(t, eng)
	ctx := context.Background()
	head := appendN(t, e.store, "stale-1", "Moved_v1", 5)
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	before, err := eng.Known(ctx, "stale")
	if err != nil {
		t.Fatal(err)
	}
	// One transaction: its notices arrive in order, the sentinel's last.
	sentinel := eventlog.Position{Commit: head.Commit + 1000, Prepare: head.Prepare + 1000}
	_, err = e.pool.Exec(ctx, `SELECT pg_notify($1, $2), pg_notify($1, $3), pg_notify($1, $4), pg_notify($1, $5)`,
		engine.CheckpointChannel,
		fmt.Sprintf("stale 1/1 %d", before.Generation),
		fmt.Sprintf("stale %s %d", sentinel, before.Generation-1),
		"stale 1/1 set",
		fmt.Sprintf("sentinel %s 1", sentinel))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "sentinel notice heard", func() bool {
		v, err := eng.Known(ctx, "sentinel")
		return err == nil && v.Position == sentinel
	})
	if after, err := eng.Known(ctx, "stale"); err != nil || after != before {
		t.Fatalf("after stale notices: %+v, %v; want %+v", after, err, before)
	}
	if err := eng.WaitFor(ctx, head, "stale"); err != nil {
		t.Fatal(err)
	}
}

func TestNewVersionIsBuiltBesideTheOldOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	v1 := &counter{name: "shape", version: 1}
	eng1 := newEngine(t, e, testConfig(), v1)
	stop1 := start(t, eng1)
	var head eventlog.Position
	for i := range 10 {
		head = appendN(t, e.store, fmt.Sprintf("shape-%d", i), "Drawn_v1", 10)
	}
	if err := eng1.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	stop1()

	// The new code has version 2 and another column. The old tables keep
	// serving until the new generation has caught up.
	readers := startReaders(t, e.pool, "shape.counts", 100)
	v2 := &counter{name: "shape", version: 2, extraColumn: true}
	eng2 := newEngine(t, e, testConfig(), v2)
	start(t, eng2)
	eventually(t, 30*time.Second, "switch to version 2", func() bool {
		st := statusOf(t, eng2, "shape")
		return st.ActiveGeneration == 2 && st.ActiveVersion == 2 && !st.Rebuilding
	})
	pos := appendN(t, e.store, "shape-0", "Drawn_v1", 1)
	if err := eng2.WaitFor(ctx, pos); err != nil {
		t.Fatal(err)
	}
	readers.stop(t)
	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "shape")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	var category *string
	if err := e.pool.QueryRow(ctx, `SELECT category FROM shape.counts LIMIT 1`).Scan(&category); err != nil {
		t.Fatalf("the view does not show version 2's column: %v", err)
	}

	// An old process started now leaves the newer generation alone.
	eng1b := newEngine(t, e, testConfig(), &counter{name: "shape", version: 1})
	start(t, eng1b)
	time.Sleep(300 * time.Millisecond)
	if st := statusOf(t, eng2, "shape"); st.ActiveVersion != 2 || st.Rebuilding {
		t.Fatalf("old process disturbed the new generation: %+v", st)
	}
	if err := eng1b.Rebuild(ctx, "shape"); err == nil {
		t.Fatal("an old process rebuilt over a newer version")
	}
}

// TestTwoProcessesApplyEveryEventOnce runs two Engines, each with its own
// pool, store and lock connection, on one database. Only one runs the
// projector at a time; when the holder's lock session is killed, the other
// takes over; the counter's primary key on event ids would turn any double
// application into a parked event.
func TestTwoProcessesApplyEveryEventOnce(t *testing.T) {
	t.Parallel()
	e1 := newEnv(t)
	e2 := openEnv(t, e1.dsn)
	ctx := context.Background()
	eng1 := newEngine(t, e1, testConfig(), &counter{name: "shared", version: 1})
	eng2 := newEngine(t, e2, testConfig(), &counter{name: "shared", version: 1})
	start(t, eng1)
	stop2 := start(t, eng2)

	write := func(round int) eventlog.Position {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var last eventlog.Position
		for w, env := range []*env{e1, e2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 60 {
					p := appendN(t, env.store, fmt.Sprintf("shared-%d%d%d", round, w, i%4), "Hit_v1", 1)
					mu.Lock()
					if last.Less(p) {
						last = p
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return last
	}
	running := func() int {
		n := 0
		if statusOf(t, eng1, "shared").RunningHere {
			n++
		}
		if statusOf(t, eng2, "shared").RunningHere {
			n++
		}
		return n
	}

	head := write(0)
	for _, eng := range []interface {
		WaitFor(context.Context, eventlog.Position, ...string) error
	}{eng1, eng2} {
		if err := eng.WaitFor(ctx, head); err != nil {
			t.Fatal(err)
		}
	}
	if n := running(); n != 1 {
		t.Fatalf("%d processes run the projector", n)
	}

	// Kill the lock sessions: the holder loses its lock while its runner may
	// be in the middle of a transaction; the other process takes over.
	if _, err := e1.pool.Exec(ctx, `
SELECT pg_terminate_backend(pid) FROM pg_locks
 WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	head = write(1)
	if err := eng2.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}

	// A graceful stop of one process: the other carries on.
	stop2()
	head = write(2)
	if err := eng1.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "one runner", func() bool { return running() == 1 })

	if diff := cmp.Diff(expectedCounts(t, e1.store, eventlog.Filter{}), readCounts(t, e1.pool, "shared")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	parked, err := eng1.Parked(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 0 {
		t.Fatalf("events parked (applied twice?): %+v", parked)
	}
	var applied int
	if err := e1.pool.QueryRow(ctx, `SELECT count(*) FROM shared.applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 3*2*60 {
		t.Fatalf("applied %d events, want %d", applied, 3*2*60)
	}
}

// indexedCounter is a counter with a deferred index (engine.DeferredIndexes).
type indexedCounter struct{ *counter }

func (indexedCounter) Indexes() string {
	return `CREATE INDEX IF NOT EXISTS counts_n ON counts (n);`
}

func indexExists(t testing.TB, pool *pgxpool.Pool, schema, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2)`, schema, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestDeferredIndexesAreBuiltBeforeTheSwitch: a generation that serves from
// its start has its deferred indexes at once; a rebuilt one catches up
// without them and has them when it becomes active.
func TestDeferredIndexesAreBuiltBeforeTheSwitch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := indexedCounter{&counter{name: "deferred", version: 1}}
	// This engine never switches: the rebuilt generation stays building.
	holding := testConfig()
	holding.SwitchCheckInterval = time.Hour
	eng := newEngine(t, e, holding, p)
	stop := start(t, eng)
	var head eventlog.Position
	for i := range 5 {
		head = appendN(t, e.store, fmt.Sprintf("deferred-%d", i), "Drawn_v1", 20)
	}
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if !indexExists(t, e.pool, "deferred__g1", "counts_n") {
		t.Fatal("the first generation, active from its start, has no deferred index")
	}
	if err := eng.Rebuild(ctx, "deferred"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "generation 2 caught up", func() bool {
		st := statusOf(t, eng, "deferred")
		return st.Rebuilding && st.RebuildGeneration == 2 && !st.RebuildCheckpoint.Less(head)
	})
	if indexExists(t, e.pool, "deferred__g2", "counts_n") {
		t.Fatal("the rebuilt generation got its deferred index before it caught up and switched")
	}
	stop()

	// A process that switches builds the index, then switches.
	eng2 := newEngine(t, e, testConfig(), p)
	start(t, eng2)
	eventually(t, 30*time.Second, "switch to generation 2", func() bool {
		st := statusOf(t, eng2, "deferred")
		return st.ActiveGeneration == 2 && !st.Rebuilding
	})
	if !indexExists(t, e.pool, "deferred__g2", "counts_n") {
		t.Fatal("generation 2 became active without its deferred index")
	}
	if diff := cmp.Diff(expectedCounts(t, e.store, eventlog.Filter{}), readCounts(t, e.pool, "deferred")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}
