package identity_test

import (
	"context"
	"testing"

	"github.com/fiveapis/backend/commands/handling/handlingtest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/eventstore"
)

// testStore is the real PostgreSQL event store on a fresh database, seen
// through eventstore.Streams as the command handlers see it.
type testStore struct {
	*eventstore.Streams
	pool *pgxpool.Pool
}

func newTestStore(t *testing.T) *testStore {
	t.Helper()
	env := handlingtest.New(t, identity.Events()...)
	return &testStore{Streams: env.Streams, pool: env.Pool}
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
