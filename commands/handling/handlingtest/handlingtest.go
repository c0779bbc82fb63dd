// Package handlingtest is what the command packages' tests share: the event
// store on the real PostgreSQL (a fresh database per test) with a codec of
// the events under test and the shared kernel's, a runner over it, and a
// clock a test sets. It is a test-support package: only test files import
// it (cmd/layercheck).
package handlingtest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/pgtest"
)

// Clock is a clock the test sets; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now implements handling.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to now.
func (c *Clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Env is an event store for one test.
type Env struct {
	Pool    *pgxpool.Pool
	Store   *pgstore.Store
	Codec   *codec.Registry
	Streams *eventstore.Streams
}

// New returns the PostgreSQL event store of a fresh database, with a codec
// of events and the shared kernel's (sequence) events.
func New(t testing.TB, events ...eventlog.Event) Env {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	reg, err := codec.New(slices.Concat(sequence.Events(), events)...)
	if err != nil {
		t.Fatal(err)
	}
	return Env{Pool: pool, Store: store, Codec: reg, Streams: eventstore.NewStreams(store, reg)}
}

// Runner returns a command runner over the store.
func (e Env) Runner(cfg handling.Config) *handling.Runner { return handling.NewRunner(e.Streams, cfg) }
