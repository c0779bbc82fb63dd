package identity_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/pgtest"
)

// testStore is the real PostgreSQL event store on a fresh database, seen
// through eventstore.Streams as the command handlers see it.
type testStore struct {
	*eventstore.Streams
	pool *pgxpool.Pool
}

func newTestStore(t *testing.T) *testStore {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	reg, err := codec.New(slices.Concat(identity.Events(), sequence.Events())...)
	if err != nil {
		t.Fatal(err)
	}
	return &testStore{Streams: eventstore.NewStreams(store, reg), pool: pool}
}

// types lists the wire types of a stream's events.
func (s *testStore) types(stream string) []string {
	evs, _, err := s.Load(context.Background(), stream)
	if err != nil {
		panic(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Recorded.Type
	}
	return out
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
