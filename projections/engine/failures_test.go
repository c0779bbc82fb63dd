package engine_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fiveapis/backend/domain/eventlog"
)

// texter stores each event's "s" in a text column, counting the attempts
// per event; failFirst makes an event fail that many times with err.
type texter struct {
	mu        sync.Mutex
	attempts  map[string]int
	failFirst map[string]int
	err       error
}

func (x *texter) Name() string            { return "texts" }
func (x *texter) Version() int            { return 1 }
func (x *texter) Filter() eventlog.Filter { return eventlog.Filter{Categories: []string{"note"}} }
func (x *texter) Schema() string {
	return `CREATE TABLE texts (event_id text PRIMARY KEY, s text NOT NULL);`
}

func (x *texter) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	id := env.Recorded.ID
	x.mu.Lock()
	x.attempts[id]++
	n := x.attempts[id]
	x.mu.Unlock()
	if n <= x.failFirst[id] {
		return x.err
	}
	var v struct{ S string }
	if err := json.Unmarshal(env.Recorded.Data, &v); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO texts (event_id, s) VALUES ($1, $2)`, id, v.S)
	return err
}

func (x *texter) attemptsOf(id string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.attempts[id]
}

func appendNote(t testing.TB, store eventlog.Store, s string) (string, eventlog.Position) {
	t.Helper()
	data, _ := json.Marshal(map[string]string{"s": s})
	id := uuid.NewString()
	res, err := store.Append(context.Background(), "note-"+uuid.NewString()[:8], eventlog.NoStream(),
		[]eventlog.EventData{{ID: id, Type: "Noted_v1", Data: data, Metadata: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	return id, res.Position
}

// TestDataErrorIsParkedAtOnce: an event PostgreSQL refuses (a NUL byte in
// text) fails the same way every time, so it is parked at its first
// failure, without the retry schedule holding up the events behind it.
func TestDataErrorIsParkedAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	x := &texter{attempts: map[string]int{}}
	cfg := testConfig()
	// Retries that would hold the projector for minutes.
	cfg.Retry.InitialInterval, cfg.Retry.MaxInterval, cfg.Retry.MaxRetries = time.Minute, time.Minute, 3
	eng := newEngine(t, e, cfg, x)
	start(t, eng)
	ctx := context.Background()

	bad, _ := appendNote(t, e.store, "a\x00b")
	good, head := appendNote(t, e.store, "fine")
	if err := eng.WaitFor(ctx, head, "texts"); err != nil {
		t.Fatal(err)
	}
	if n := x.attemptsOf(bad); n != 1 {
		t.Errorf("the refused event was applied %d times, want 1", n)
	}
	if n := x.attemptsOf(good); n != 1 {
		t.Errorf("the event behind it was applied %d times, want 1", n)
	}
	parked, err := eng.Parked(ctx, "texts")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || parked[0].EventID != bad || parked[0].Attempts != 1 {
		t.Fatalf("parked %+v", parked)
	}
}

// TestDatabaseBlipParksNothing: an event that fails because the database is
// unavailable (the connection was terminated) is not parked: the run starts
// again from its checkpoint and applies it.
func TestDatabaseBlipParksNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	x := &texter{attempts: map[string]int{}, failFirst: map[string]int{},
		err: &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}}
	eng := newEngine(t, e, testConfig(), x)
	ctx := context.Background()
	id, head := appendNote(t, e.store, "after a blip")
	x.failFirst[id] = 2
	start(t, eng)
	if err := eng.WaitFor(ctx, head, "texts"); err != nil {
		t.Fatal(err)
	}
	if n := x.attemptsOf(id); n != 3 {
		t.Errorf("applied %d times, want 3 (two blips, then once)", n)
	}
	if parked, _ := eng.Parked(ctx, "texts"); len(parked) != 0 {
		t.Fatalf("parked after a blip: %+v", parked)
	}
}
