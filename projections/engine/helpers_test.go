package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/messaging"
	"github.com/fiveapis/backend/transport/pgtest"
)

// transport wires the engine to transport/messaging, as cmd does.
func transport() engine.Transport {
	return engine.TransportFunc(func(ctx context.Context, c engine.Consumer) error {
		return messaging.RunConsumer(ctx, messaging.ConsumerConfig{
			Name: c.Name, Filter: c.Filter, Progress: c.Progress, Nudge: c.Nudge,
			Store: c.Store, Checkpoints: c.Checkpoints,
			Handler: messaging.EventHandler(c.Handle, c.Advance),
			Router: messaging.RouterConfig{
				Retry:  messaging.RetryConfig(c.Retry),
				Poison: messaging.PoisonPolicy(c.Poison),
				Parker: messaging.EventParkerFunc(c.Park),
			},
		}, nil)
	})
}

// testEvent and testDecoder stand in for the codec: the event keeps its type
// and raw payload.
type testEvent struct {
	typ  string
	data []byte
}

func (e testEvent) EventType() string { return e.typ }

type testDecoder struct{}

func (testDecoder) Decode(r eventlog.RecordedEvent) (eventlog.Envelope, error) {
	var meta eventlog.Metadata
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &meta); err != nil {
			return eventlog.Envelope{}, err
		}
	}
	return eventlog.Envelope{Recorded: r, Event: testEvent{r.Type, r.Data}, Meta: meta}, nil
}

// counter counts the events of each stream. Its "applied" table has the
// event id as primary key, so applying an event twice fails loudly (and the
// event would end up parked, which the tests check for).
type counter struct {
	name    string
	version int
	filter  eventlog.Filter
	// failing makes events of type PoisonType fail.
	failing atomic.Bool
	// extraColumn changes the schema (for version changes).
	extraColumn bool
}

const PoisonType = "Poison_v1"

func (c *counter) Name() string            { return c.name }
func (c *counter) Version() int            { return c.version }
func (c *counter) Filter() eventlog.Filter { return c.filter }
func (c *counter) Schema() string {
	s := `
CREATE TABLE counts (stream text PRIMARY KEY, n bigint NOT NULL, last_version bigint NOT NULL);
CREATE TABLE applied (event_id text PRIMARY KEY, position bigint NOT NULL);`
	if c.extraColumn {
		s += `ALTER TABLE counts ADD COLUMN category text;`
	}
	return s
}

func (c *counter) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	r := env.Recorded
	if r.Type == PoisonType && c.failing.Load() {
		return errors.New("poison event")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO applied (event_id, position) VALUES ($1, $2)`, r.ID, int64(r.Position.Commit)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
INSERT INTO counts (stream, n, last_version) VALUES ($1, 1, $2)
ON CONFLICT (stream) DO UPDATE SET n = counts.n + 1, last_version = EXCLUDED.last_version`, r.StreamID, int64(r.Version))
	return err
}

// env is one test database with an event store: one "process" of the backend.
type env struct {
	dsn   string
	pool  *pgxpool.Pool
	store *pgstore.Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return openEnv(t, pgtest.NewDatabase(t))
}

// openEnv opens another "process" on the database dsn: its own pool and store.
func openEnv(t testing.TB, dsn string) *env {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 8
	if os.Getenv("SYNC_OFF") != "" {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return &env{dsn: dsn, pool: pool, store: store}
}

func testLogger() *slog.Logger {
	if os.Getenv("ENGINE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func testConfig() engine.Config {
	return engine.Config{
		Transport:           transport(),
		Retry:               engine.RetryPolicy{MaxRetries: 2, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond},
		LockRetryInterval:   100 * time.Millisecond,
		SwitchCheckInterval: 50 * time.Millisecond,
		WaitTimeout:         20 * time.Second,
		Logger:              testLogger(),
	}
}

// newEngine returns an engine of the "process" e that listens through its
// store's connection, as the server's does (engine.Config.Notices);
// newEngineListeningAlone gives it a listening connection of its own.
func newEngine(t testing.TB, e *env, cfg engine.Config, projectors ...engine.Projector) *engine.Engine {
	t.Helper()
	if cfg.Notices == nil {
		cfg.Notices = e.store
	}
	return newEngineListeningAlone(t, e, cfg, projectors...)
}

func newEngineListeningAlone(t testing.TB, e *env, cfg engine.Config, projectors ...engine.Projector) *engine.Engine {
	t.Helper()
	eng, err := engine.New(e.pool, e.store, testDecoder{}, cfg, projectors...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return eng
}

// start runs eng until the returned stop is called (or the test ends).
func start(t testing.TB, eng *engine.Engine) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return within 30s of cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

// appendN appends n events of type typ to stream, in one append, and returns
// the position of the last.
func appendN(t testing.TB, store eventlog.Store, stream, typ string, n int) eventlog.Position {
	t.Helper()
	data := make([]eventlog.EventData, n)
	for i := range data {
		data[i] = eventlog.EventData{
			ID:       uuid.NewString(),
			Type:     typ,
			Data:     []byte(fmt.Sprintf(`{"i":%d}`, i)),
			Metadata: []byte(`{"correlation_id":"test","occurred_at":"2024-01-01T00:00:00Z"}`),
		}
	}
	res, err := store.Append(context.Background(), stream, eventlog.Any(), data)
	if err != nil {
		t.Fatal(err)
	}
	return res.Position
}

type streamCount struct {
	Stream      string
	N           int64
	LastVersion int64
}

// expectedCounts builds the counter's read model from the log, in Go.
func expectedCounts(t testing.TB, store eventlog.Store, f eventlog.Filter) []streamCount {
	t.Helper()
	byStream := map[string]*streamCount{}
	var order []string
	after := eventlog.Start
	for {
		page, err := store.ReadAll(context.Background(), eventlog.ReadAllOptions{After: after, Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page {
			after = ev.Position
			if !f.Match(ev.StreamID, ev.Type) {
				continue
			}
			sc, ok := byStream[ev.StreamID]
			if !ok {
				sc = &streamCount{Stream: ev.StreamID}
				byStream[ev.StreamID] = sc
				order = append(order, ev.StreamID)
			}
			sc.N++
			sc.LastVersion = int64(ev.Version)
		}
		if len(page) < 1000 {
			break
		}
	}
	out := make([]streamCount, 0, len(order))
	slices.Sort(order)
	for _, s := range order {
		out = append(out, *byStream[s])
	}
	return out
}

// readCounts reads the counter's read model through its views.
func readCounts(t testing.TB, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, name string) []streamCount {
	t.Helper()
	rows, err := q.Query(context.Background(), `SELECT stream, n, last_version FROM `+pgx.Identifier{name, "counts"}.Sanitize()+` ORDER BY stream COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[streamCount])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func statusOf(t testing.TB, eng *engine.Engine, name string) engine.Status {
	t.Helper()
	all, err := eng.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for %s", name)
	return engine.Status{}
}

// eventually polls cond until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// keepAppending appends n events of typ to one of streams streams named
// prefix-<i> every pause, until the returned stop is called (stop waits for
// the last append).
func keepAppending(t testing.TB, store eventlog.Store, prefix, typ string, streams, n int, pause time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			appendN(t, store, fmt.Sprintf("%s-%d", prefix, i%streams), typ, n)
			time.Sleep(pause)
		}
	})
	return func() { cancel(); wg.Wait() }
}
