package pgstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/contract"
	"github.com/fiveapis/backend/transport/pgtest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) {
	// The gap test re-executes this binary as an extra appending process.
	if dsn := os.Getenv(childDSNEnv); dsn != "" {
		os.Exit(runChild(dsn))
	}
	os.Exit(m.Run())
}

// newPool returns a pool with maxConns connections on a fresh, migrated
// database, and the database's URL.
func newPool(t testing.TB, maxConns int32) (*pgxpool.Pool, string) {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", dsn, err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := Migrate(context.Background(), pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return pool, dsn
}

func newStore(t testing.TB, pool *pgxpool.Pool, cfg Config) *Store {
	t.Helper()
	s, err := New(pool, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		// A long safety poll: live delivery must come from LISTEN/NOTIFY.
		{"GroupCommit", Config{PollInterval: time.Minute}},
		{"NoGroupCommit", Config{DisableGroupCommit: true, PollInterval: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, _ := newPool(t, 16)
			// Every subtest gets its own Store on the shared database, so
			// several writers and listeners share one log, as several server
			// processes would.
			contract.Run(t, func(t *testing.T) eventlog.Store { return newStore(t, pool, tc.cfg) })
		})
	}
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- Migrate(t.Context(), pool) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	var n int
	if err := pool.QueryRow(t.Context(),
		`SELECT count(*) FROM eventstore.goose_db_version WHERE version_id > 0`).Scan(&n); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if n != 1 {
		t.Errorf("%d migrations recorded, want 1", n)
	}
}

func TestConfig(t *testing.T) {
	var c Config
	c.setDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.PollInterval != DefaultPollInterval || c.SubscriptionPageSize != DefaultSubscriptionPageSize {
		t.Errorf("defaults not set: %+v", c)
	}
	bad := c
	bad.GroupCommitWindow = -1
	bad.ReadPageSize = -5
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "GroupCommitWindow") || !strings.Contains(err.Error(), "ReadPageSize") {
		t.Errorf("Validate of a bad config: %v, want both fields reported", err)
	}
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New(nil pool) succeeded")
	}
}

func TestAppendRefusesInvalidInput(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 4)
	s := newStore(t, pool, Config{})
	ctx := t.Context()
	ok := eventlog.EventData{ID: uuid.NewString(), Type: "Noted_v1", Data: []byte(`{}`)}
	for _, tc := range []struct {
		name   string
		stream string
		events []eventlog.EventData
	}{
		{"system stream", "$ce-card", []eventlog.EventData{ok}},
		{"system event type", "card-1", []eventlog.EventData{{ID: uuid.NewString(), Type: "$metadata"}}},
		{"empty stream", "", []eventlog.EventData{ok}},
		{"id not a uuid", "card-1", []eventlog.EventData{{ID: "abc", Type: "Noted_v1"}}},
		{"empty type", "card-1", []eventlog.EventData{{ID: uuid.NewString()}}},
		{"duplicate id", "card-1", []eventlog.EventData{ok, ok}},
	} {
		if _, err := s.Append(ctx, tc.stream, eventlog.Any(), tc.events); err == nil {
			t.Errorf("%s: Append succeeded", tc.name)
		}
	}
	page, err := s.ReadAll(ctx, eventlog.ReadAllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 {
		t.Errorf("refused appends stored %d events", len(page))
	}
}

func TestIdempotencyMismatch(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 4)
	s := newStore(t, pool, Config{})
	ctx := t.Context()
	a, b := newEvent(), newEvent()
	if _, err := s.Append(ctx, "card-1", eventlog.NoStream(), []eventlog.EventData{a}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		stream   string
		expected eventlog.ExpectedVersion
		events   []eventlog.EventData
	}{
		{"partly stored", "card-1", eventlog.Exact(0), []eventlog.EventData{a, b}},
		{"other stream", "card-2", eventlog.NoStream(), []eventlog.EventData{a}},
		{"other position", "card-1", eventlog.Exact(3), []eventlog.EventData{a}},
	} {
		_, err := s.Append(ctx, tc.stream, tc.expected, tc.events)
		if !errors.Is(err, eventlog.ErrIdempotencyMismatch) {
			t.Errorf("%s: %v, want ErrIdempotencyMismatch", tc.name, err)
		}
	}
	// Uppercase ids are the same UUID.
	upper := a
	upper.ID = strings.ToUpper(a.ID)
	if _, err := s.Append(ctx, "card-1", eventlog.NoStream(), []eventlog.EventData{upper}); err != nil {
		t.Errorf("retry with the uppercase id: %v", err)
	}
}

// TestStoredIDFallsBackToTheCheckedWrite drives a batch past the
// precheck: a request whose event id is already stored in another stream
// makes the fast write fail on UNIQUE (event_id); the checked write then
// stores the other requests of the batch and answers that one with
// ErrIdempotencyMismatch, and the log holds no trace of the failed attempt.
func TestStoredIDFallsBackToTheCheckedWrite(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 4)
	s := newStore(t, pool, Config{})
	ctx := t.Context()
	stored, fresh, other := newEvent(), newEvent(), newEvent()
	if _, err := s.Append(ctx, "note-1", eventlog.NoStream(), []eventlog.EventData{stored}); err != nil {
		t.Fatal(err)
	}
	req := func(stream string, evs ...eventlog.EventData) *appendRequest {
		r, err := newAppendRequest(ctx, stream, eventlog.NoStream(), evs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	resps, err := s.writeBatch(ctx, []*appendRequest{req("note-2", fresh), req("note-3", other, stored), req("note-4", newEvent())})
	if err != nil {
		t.Fatalf("writeBatch: %v", err)
	}
	if n := s.checkedWrites.Load(); n != 1 {
		t.Errorf("%d checked writes, want 1", n)
	}
	if resps[0].err != nil || resps[2].err != nil {
		t.Errorf("the other requests: %v, %v", resps[0].err, resps[2].err)
	}
	if !errors.Is(resps[1].err, eventlog.ErrIdempotencyMismatch) {
		t.Errorf("the stored id in another stream: %v, want ErrIdempotencyMismatch", resps[1].err)
	}
	for stream, want := range map[string]int{"note-1": 1, "note-2": 1, "note-3": 0, "note-4": 1} {
		got, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{})
		if err != nil && !errors.Is(err, eventlog.ErrStreamNotFound) {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("%s holds %d events, want %d", stream, len(got), want)
		}
	}
	var streams int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM eventstore.streams WHERE stream_id = 'note-3'`).Scan(&streams); err != nil || streams != 0 {
		t.Errorf("note-3's row: %d (%v), want none", streams, err)
	}
}

func newEvent() eventlog.EventData {
	return eventlog.EventData{ID: uuid.NewString(), Type: "Noted_v1", Data: []byte(`{"x":1}`), Metadata: []byte(`{}`)}
}

// TestBatchDecidesEachRequest drives one group-commit batch directly: each
// request is checked against the state left by the ones before it.
func TestBatchDecidesEachRequest(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 4)
	s := newStore(t, pool, Config{})
	ctx := t.Context()
	pre := newEvent()
	if _, err := s.Append(ctx, "acct-pre", eventlog.NoStream(), []eventlog.EventData{pre}); err != nil {
		t.Fatal(err)
	}
	e := make([]eventlog.EventData, 6)
	for i := range e {
		e[i] = newEvent()
	}
	req := func(stream string, exp eventlog.ExpectedVersion, evs ...eventlog.EventData) *appendRequest {
		r, err := newAppendRequest(ctx, stream, exp, evs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	batch := []*appendRequest{
		req("acct-a", eventlog.NoStream(), e[0], e[1]), // ok: 0,1
		req("acct-a", eventlog.NoStream(), e[2]),       // conflicts with the request before
		req("acct-a", eventlog.Exact(1), e[3]),         // ok: 2
		req("acct-b", eventlog.Exact(0), e[4]),         // stream absent
		req("acct-a", eventlog.Exact(2), e[0], e[1]),   // ids of request 0: deferred
		req("acct-pre", eventlog.NoStream(), pre),      // already stored: idempotent
		req("acct-pre", eventlog.StreamExists(), e[5]), // ok: 1
	}
	resps, err := s.writeBatch(ctx, batch)
	if err != nil {
		t.Fatalf("writeBatch: %v", err)
	}
	if resps[0].err != nil || resps[0].res.NextVersion != 1 {
		t.Errorf("request 0: %+v", resps[0])
	}
	var wv *eventlog.WrongVersionError
	if !errors.As(resps[1].err, &wv) || wv.Actual == nil || *wv.Actual != 1 {
		t.Errorf("request 1: %+v, want a wrong version with actual 1", resps[1])
	}
	if resps[2].err != nil || resps[2].res.NextVersion != 2 || !resps[0].res.Position.Less(resps[2].res.Position) {
		t.Errorf("request 2: %+v", resps[2])
	}
	if !errors.As(resps[3].err, &wv) || wv.Actual != nil {
		t.Errorf("request 3: %+v, want a wrong version with no actual", resps[3])
	}
	if resps[5].err != nil || resps[5].res.NextVersion != 0 {
		t.Errorf("request 5: %+v", resps[5])
	}
	if resps[6].err != nil || resps[6].res.NextVersion != 1 {
		t.Errorf("request 6: %+v", resps[6])
	}
	got, err := s.ReadStream(ctx, "acct-a", eventlog.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range got {
		ids = append(ids, ev.ID)
	}
	if diff := cmp.Diff([]string{e[0].ID, e[1].ID, e[3].ID}, ids); diff != "" {
		t.Errorf("acct-a (-want +got):\n%s", diff)
	}
	// The request deferred to the next round is a retry of request 0's ids
	// at the wrong position.
	if !errors.Is(resps[4].err, eventlog.ErrIdempotencyMismatch) {
		t.Errorf("request 4: %+v, want ErrIdempotencyMismatch", resps[4])
	}
}

// TestGroupCommitSharesTransactions checks that concurrent appends are
// written together, and that a window gathers them.
func TestGroupCommitSharesTransactions(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	s := newStore(t, pool, Config{GroupCommitWindow: 100 * time.Millisecond})
	ctx := t.Context()
	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := s.Append(ctx, "gc-"+uuid.NewString(), eventlog.NoStream(), []eventlog.EventData{newEvent(), newEvent()}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	batches, requests := s.writer.batches.Load(), s.writer.requests.Load()
	t.Logf("%d requests in %d transactions", requests, batches)
	if requests != n || batches > n/4 {
		t.Errorf("%d requests in %d transactions, want %d in at most %d", requests, batches, n, n/4)
	}
	page, err := s.ReadAll(ctx, eventlog.ReadAllOptions{Max: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2*n {
		t.Errorf("%d events stored, want %d", len(page), 2*n)
	}
}

func TestCloseFlushesQueuedAppends(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 8)
	s, err := New(pool, Config{GroupCommitWindow: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := s.Append(ctx, "flush-"+uuid.NewString(), eventlog.NoStream(), []eventlog.EventData{newEvent()})
			if err != nil && !errors.Is(err, ErrClosed) {
				errs <- err
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	s.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Append around Close: %v", err)
	}
	if _, err := s.Append(ctx, "flush-x", eventlog.NoStream(), []eventlog.EventData{newEvent()}); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if _, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("SubscribeAll after Close: %v, want ErrClosed", err)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 4)
	s, err := New(pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.SubscribeAll(t.Context(), eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := sub.Recv(t.Context())
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, eventlog.ErrSubscriptionClosed) {
			t.Errorf("Recv after store Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Recv still blocked after store Close")
	}
}

// TestListenerReconnects kills the listening connection; subscriptions must
// still wake promptly (the safety poll is a minute here).
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	pool, s, sub := listeningStore(t)
	ctx := t.Context()
	for i := range 3 {
		pid := s.notifier.listenerPID()
		if _, err := pool.Exec(ctx, "SELECT pg_terminate_backend($1)", int32(pid)); err != nil {
			t.Fatalf("terminate listener: %v", err)
		}
		// Append right away, likely while the listener is down.
		e := newEvent()
		if _, err := s.Append(ctx, "re-1", eventlog.Any(), []eventlog.EventData{e}); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		got, err := sub.Recv(rctx)
		cancel()
		if err != nil || got.ID != e.ID {
			t.Fatalf("round %d: Recv = %v, %v; want event %s", i, got.ID, err, e.ID)
		}
		// A live event after the reconnect.
		deadline := time.Now().Add(5 * time.Second)
		for s.notifier.listenerPID() == pid && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		e2 := newEvent()
		go func() {
			time.Sleep(50 * time.Millisecond)
			s.Append(ctx, "re-1", eventlog.Any(), []eventlog.EventData{e2}) //nolint:errcheck // checked by Recv
		}()
		rctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		got, err = sub.Recv(rctx)
		cancel()
		if err != nil || got.ID != e2.ID {
			t.Fatalf("round %d after reconnect: Recv = %v, %v; want event %s", i, got.ID, err, e2.ID)
		}
	}
}

// TestAssumedStateSkipsTheSnapshot: appends that name the state they expect
// (NoStream, Exact) are written without a snapshot read when the stream is as
// expected, and get exactly the answers of the snapshot path when it is not:
// a wrong version, an idempotent retry, a soft-deleted stream.
func TestAssumedStateSkipsTheSnapshot(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 16)
	ctx := t.Context()
	s := newStore(t, pool, Config{})

	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			stream := fmt.Sprintf("assumed-%d", i)
			if _, err := s.Append(ctx, stream, eventlog.NoStream(), []eventlog.EventData{newEvent()}); err != nil {
				t.Error(err)
			}
			if _, err := s.Append(ctx, stream, eventlog.Exact(0), []eventlog.EventData{newEvent(), newEvent()}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := s.snapshots.Load(); n != 0 {
		t.Fatalf("%d snapshot reads for appends whose streams were as expected, want 0", n)
	}

	// Not as assumed: the snapshot path decides.
	if _, err := s.Append(ctx, "assumed-0", eventlog.NoStream(), []eventlog.EventData{newEvent()}); !errors.Is(err, eventlog.ErrWrongExpectedVersion) {
		t.Fatalf("NoStream on an existing stream: %v", err)
	}
	if _, err := s.Append(ctx, "assumed-0", eventlog.Exact(1), []eventlog.EventData{newEvent()}); !errors.Is(err, eventlog.ErrWrongExpectedVersion) {
		t.Fatalf("Exact(1) on a stream at 2: %v", err)
	}
	retry := []eventlog.EventData{newEvent()}
	first, err := s.Append(ctx, "assumed-retry", eventlog.NoStream(), retry)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Append(ctx, "assumed-retry", eventlog.NoStream(), retry)
	if err != nil || again != first {
		t.Fatalf("idempotent retry: %+v, %v; want %+v", again, err, first)
	}
	if err := s.DeleteStream(ctx, "assumed-1", eventlog.Exact(2)); err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(ctx, "assumed-1", eventlog.NoStream(), []eventlog.EventData{newEvent()})
	if err != nil || res.NextVersion != 3 {
		t.Fatalf("NoStream on a deleted stream: %+v, %v; want version 3", res, err)
	}
	if _, err := s.Append(ctx, "assumed-1", eventlog.Exact(3), []eventlog.EventData{newEvent()}); err != nil {
		t.Fatalf("Exact(3) on a stream restarted after deletion: %v", err)
	}
	events, err := s.ReadStream(ctx, "assumed-1", eventlog.ReadStreamOptions{Max: 10})
	if err != nil || len(events) != 2 || events[0].Version != 3 || events[1].Version != 4 {
		t.Fatalf("the restarted stream holds %d events (%v), want versions 3 and 4", len(events), err)
	}
}

// TestListenSharesTheListeningConnection: other listeners' channels are
// heard on the store's one listening connection (Store.Listen), which keeps
// waking the store's subscriptions. Each (re)connection runs every
// listener's connected before it delivers anything; a failing connected
// drops the connection; a listener registered later is added to the open
// connection; a listener whose context ended hears nothing more.
func TestListenSharesTheListeningConnection(t *testing.T) {
	t.Parallel()
	pool, s, sub := listeningStore(t)
	ctx := t.Context()

	type notice struct{ channel, payload string }
	heard := make(chan notice, 16)
	var connects atomic.Int32
	failNext := atomic.Bool{}
	failNext.Store(true) // the first connection: connected fails once
	lctx, stopListening := context.WithCancel(ctx)
	s.Listen(lctx, []string{"test_alpha", "test_beta"}, func(context.Context) error {
		connects.Add(1)
		if failNext.CompareAndSwap(true, false) {
			return errors.New("not ready yet")
		}
		return nil
	}, func(channel, payload string) { heard <- notice{channel, payload} })

	// notify sends until heard (a notice sent before LISTEN is lost).
	notify := func(channel, payload string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := pool.Exec(ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
				t.Fatal(err)
			}
			select {
			case n := <-heard:
				if n != (notice{channel, payload}) {
					t.Fatalf("heard %+v, want %s %q", n, channel, payload)
				}
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		t.Fatalf("%s %q never heard", channel, payload)
	}
	notify("test_alpha", "one")
	notify("test_beta", "two")
	if got := connects.Load(); got < 2 {
		t.Fatalf("connected ran %d times, want a failed first run and another", got)
	}
	pgtest.WaitListening(t, pool, 1) // the store's one

	// A listener registered while the connection is open is added to it:
	// no second connection, not even for a moment.
	pid := s.notifier.listenerPID()
	late := make(chan notice, 4)
	var lateConnects atomic.Int32
	s.Listen(ctx, []string{"test_gamma"}, func(context.Context) error {
		lateConnects.Add(1)
		return nil
	}, func(channel, payload string) { late <- notice{channel, payload} })
	deadline := time.Now().Add(5 * time.Second)
	for lateConnects.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := pool.Exec(ctx, "SELECT pg_notify('test_gamma', 'four')"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-late:
		if got != (notice{"test_gamma", "four"}) {
			t.Fatalf("late listener heard %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the late listener heard nothing")
	}
	if got := s.notifier.listenerPID(); got != pid {
		t.Fatalf("listening connection changed from pid %d to %d for a late listener", pid, got)
	}
	notify("test_beta", "five")

	// The store's own news still wakes its subscriptions.
	e := newEvent()
	if _, err := s.Append(ctx, "listen-1", eventlog.Any(), []eventlog.EventData{e}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	got, err := sub.Recv(rctx)
	cancel()
	if err != nil || got.ID != e.ID {
		t.Fatalf("Recv = %v, %v; want event %s", got.ID, err, e.ID)
	}

	// A reconnect runs connected again before anything is delivered.
	before := connects.Load()
	if _, err := pool.Exec(ctx, "SELECT pg_terminate_backend($1)", int32(s.notifier.listenerPID())); err != nil {
		t.Fatal(err)
	}
	notify("test_alpha", "three")
	if connects.Load() <= before {
		t.Fatal("connected did not run after the reconnect")
	}

	// Ended: nothing more is delivered.
	stopListening()
	for range 3 {
		if _, err := pool.Exec(ctx, "SELECT pg_notify('test_alpha', 'after')"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case n := <-heard:
		t.Fatalf("heard %+v after the listener's context ended", n)
	case <-time.After(200 * time.Millisecond):
	}
}

// listeningStore returns a pool on a fresh database, a store on it whose
// subscriptions wake only by notification (the safety poll is a minute) and
// whose listener reconnects after 20 ms, and a subscription from the start.
func listeningStore(t *testing.T) (*pgxpool.Pool, *Store, eventlog.Subscription) {
	t.Helper()
	pool, _ := newPool(t, 4)
	s := newStore(t, pool, Config{PollInterval: time.Minute, ReconnectDelay: 20 * time.Millisecond})
	sub, err := s.SubscribeAll(t.Context(), eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return pool, s, sub
}
