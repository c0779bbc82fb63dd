package eventstoredb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb/esdbfake"
)

// newStore connects a Store to connString and closes it when the test ends.
func newStore(t testing.TB, connString string, opts ...func(*eventstoredb.Config)) *eventstoredb.Store {
	t.Helper()
	cfg := eventstoredb.Config{
		ConnectionString:      connString,
		ResubscribeMinBackoff: 10 * time.Millisecond,
		ResubscribeMaxBackoff: 200 * time.Millisecond,
		Logger:                testLogger(t),
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := eventstoredb.New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// testLogger logs through t with -v, and nowhere otherwise.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func newEvent(typ string) eventlog.EventData {
	id := uuid.NewString()
	return eventlog.EventData{ID: id, Type: typ, Data: fmt.Appendf(nil, `{"id":%q}`, id), Metadata: []byte(`{"correlation_id":"c"}`)}
}

func newEvents(typ string, n int) []eventlog.EventData {
	evs := make([]eventlog.EventData, n)
	for i := range evs {
		evs[i] = newEvent(typ)
	}
	return evs
}

func ids(evs any) []string {
	var out []string
	switch v := evs.(type) {
	case []eventlog.EventData:
		for _, e := range v {
			out = append(out, e.ID)
		}
	case []eventlog.RecordedEvent:
		for _, e := range v {
			out = append(out, e.ID)
		}
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAppendAndRead(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := newStore(t, esdbfake.Start(t))
	stream := eventlog.StreamID("card", uuid.NewString())
	evs := newEvents("CardIssued_v1", 3)

	res, err := s.Append(ctx, stream, eventlog.NoStream(), evs)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if res.NextVersion != 2 || res.Position.IsStart() {
		t.Fatalf("Append = %+v, want NextVersion 2 and a position", res)
	}
	got, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{})
	if err != nil {
		t.Fatalf("ReadStream: %v", err)
	}
	if diff := cmp.Diff(ids(evs), ids(got)); diff != "" {
		t.Fatalf("ReadStream ids (-want +got):\n%s", diff)
	}
	for i, e := range got {
		if e.StreamID != stream || e.Version != uint64(i) || e.Type != "CardIssued_v1" ||
			string(e.Data) != string(evs[i].Data) || string(e.Metadata) != string(evs[i].Metadata) || e.RecordedAt.IsZero() {
			t.Errorf("event %d = %+v", i, e)
		}
		// Commit and prepare positions come from the server: equal for the
		// events of a gRPC append.
		if e.Position.Commit != e.Position.Prepare {
			t.Errorf("event %d position %s: commit != prepare", i, e.Position)
		}
	}
	if res.Position != got[2].Position {
		t.Errorf("AppendResult.Position = %s, want the last event's %s", res.Position, got[2].Position)
	}

	back, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{Direction: eventlog.Backwards, From: 99, Max: 2})
	if err != nil {
		t.Fatalf("ReadStream backwards: %v", err)
	}
	if diff := cmp.Diff([]string{evs[2].ID, evs[1].ID}, ids(back)); diff != "" {
		t.Errorf("backwards from past the end (-want +got):\n%s", diff)
	}
	if end, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{FromEnd: true}); err != nil || len(end) != 0 {
		t.Errorf("forwards from the end = %v, %v; want nothing", ids(end), err)
	}
}

func TestAppendConflict(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := newStore(t, esdbfake.Start(t))
	stream := eventlog.StreamID("card", uuid.NewString())
	if _, err := s.Append(ctx, stream, eventlog.NoStream(), newEvents("CardIssued_v1", 2)); err != nil {
		t.Fatal(err)
	}
	one := uint64(1)
	for _, tc := range []struct {
		name     string
		expected eventlog.ExpectedVersion
		actual   *uint64
	}{
		{"no stream", eventlog.NoStream(), &one},
		{"exact behind", eventlog.Exact(0), &one},
		{"exact ahead", eventlog.Exact(5), &one},
	} {
		_, err := s.Append(ctx, stream, tc.expected, newEvents("CardUsed_v1", 1))
		var wv *eventlog.WrongVersionError
		if !errors.Is(err, eventlog.ErrWrongExpectedVersion) || !errors.As(err, &wv) {
			t.Fatalf("%s: err = %v, want a WrongVersionError", tc.name, err)
		}
		if diff := cmp.Diff(&eventlog.WrongVersionError{Stream: stream, Expected: tc.expected, Actual: tc.actual}, wv,
			cmp.Comparer(func(a, b eventlog.ExpectedVersion) bool { return a == b })); diff != "" {
			t.Errorf("%s: WrongVersionError (-want +got):\n%s", tc.name, diff)
		}
	}
	_, err := s.Append(ctx, eventlog.StreamID("card", uuid.NewString()), eventlog.StreamExists(), newEvents("CardUsed_v1", 1))
	var wv *eventlog.WrongVersionError
	if !errors.As(err, &wv) || wv.Actual != nil {
		t.Errorf("StreamExists on an absent stream: %v, want a WrongVersionError without Actual", err)
	}

	// A deleted stream: the server answers StreamExists with "stream
	// deleted"; for the port the stream has no events.
	if err := s.DeleteStream(ctx, stream, eventlog.Exact(1)); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	_, err = s.Append(ctx, stream, eventlog.StreamExists(), newEvents("CardUsed_v1", 1))
	if !errors.As(err, &wv) || wv.Actual != nil {
		t.Errorf("StreamExists on a deleted stream: %v, want a WrongVersionError without Actual", err)
	}
}

func TestDeleteWrongVersionHasActual(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := newStore(t, esdbfake.Start(t))
	stream := eventlog.StreamID("card", uuid.NewString())
	if _, err := s.Append(ctx, stream, eventlog.NoStream(), newEvents("CardIssued_v1", 3)); err != nil {
		t.Fatal(err)
	}
	err := s.DeleteStream(ctx, stream, eventlog.Exact(0))
	var wv *eventlog.WrongVersionError
	if !errors.As(err, &wv) || wv.Actual == nil || *wv.Actual != 2 {
		t.Fatalf("DeleteStream(Exact(0)) at 2: %v, want a WrongVersionError with Actual 2", err)
	}
}

func TestIdempotentRetry(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := newStore(t, esdbfake.Start(t))
	stream := eventlog.StreamID("card", uuid.NewString())
	evs := newEvents("CardIssued_v1", 3)
	for _, exp := range []eventlog.ExpectedVersion{eventlog.NoStream(), eventlog.Any()} {
		t.Run(exp.String(), func(t *testing.T) {
			stream := stream + exp.String()
			first, err := s.Append(ctx, stream, exp, evs)
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.Append(ctx, stream, exp, evs)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if again != first {
				t.Errorf("retry = %+v, want the original %+v", again, first)
			}
			got, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{})
			if err != nil || len(got) != 3 {
				t.Fatalf("ReadStream after retry: %d events, %v; want 3", len(got), err)
			}
			// The same first id with other events after it is not a retry.
			changed := []eventlog.EventData{evs[0], newEvent("CardUsed_v1")}
			if _, err := s.Append(ctx, stream, exp, changed); !errors.Is(err, eventlog.ErrIdempotencyMismatch) {
				t.Errorf("append reusing the first id: %v, want ErrIdempotencyMismatch", err)
			}
		})
	}
}

func TestReadAllSkipsSystemEvents(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	srv := esdbfake.NewServer(t)
	s := newStore(t, srv.ConnString())
	deleted := eventlog.StreamID("card", uuid.NewString())
	kept := eventlog.StreamID("card", uuid.NewString())
	if _, err := s.Append(ctx, deleted, eventlog.NoStream(), newEvents("CardIssued_v1", 1)); err != nil {
		t.Fatal(err)
	}
	srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected", []byte(`{}`))
	if err := s.DeleteStream(ctx, deleted, eventlog.Any()); err != nil { // writes $metadata to $$card-…
		t.Fatal(err)
	}
	tombstone(t, srv, deleted+"x") // a "$streamDeleted" event in a user stream
	kevs := newEvents("CardIssued_v1", 2)
	if _, err := s.Append(ctx, kept, eventlog.NoStream(), kevs); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadAll(ctx, eventlog.ReadAllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if strings.HasPrefix(e.StreamID, "$") || strings.HasPrefix(e.Type, "$") {
			t.Errorf("ReadAll returned system event %s/%s", e.StreamID, e.Type)
		}
	}
	if len(got) != 3 || got[0].StreamID != deleted || got[1].ID != kevs[0].ID || got[2].ID != kevs[1].ID {
		t.Errorf("ReadAll from Start = %+v, want the deleted stream's event then %v", got, ids(kevs))
	}

	// Max counts only what is returned, not the system events skipped.
	page, err := s.ReadAll(ctx, eventlog.ReadAllOptions{Max: 2})
	if err != nil || len(page) != 2 || page[1].ID != kevs[0].ID {
		t.Errorf("ReadAll(max 2) = %v, %v", ids(page), err)
	}
	rest, err := s.ReadAll(ctx, eventlog.ReadAllOptions{After: page[1].Position, Max: 2})
	if err != nil || len(rest) != 1 || rest[0].ID != kevs[1].ID {
		t.Errorf("ReadAll after the page = %v, %v; want %s", ids(rest), err, kevs[1].ID)
	}
}

// tombstone hard-deletes a stream through the client itself: the port has no
// hard delete, but another tool may use one.
func tombstone(t *testing.T, srv *esdbfake.Server, stream string) {
	t.Helper()
	conf, err := esdb.ParseConnectionString(srv.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.TombstoneStream(t.Context(), stream, esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Any{}}); err != nil {
		t.Fatalf("TombstoneStream: %v", err)
	}
}

func TestTombstonedStream(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	srv := esdbfake.NewServer(t)
	s := newStore(t, srv.ConnString())
	stream := eventlog.StreamID("card", uuid.NewString())
	if _, err := s.Append(ctx, stream, eventlog.NoStream(), newEvents("CardIssued_v1", 1)); err != nil {
		t.Fatal(err)
	}
	tombstone(t, srv, stream)
	if _, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{}); !errors.Is(err, eventlog.ErrStreamDeleted) {
		t.Errorf("ReadStream: %v, want ErrStreamDeleted", err)
	}
	for _, exp := range []eventlog.ExpectedVersion{eventlog.Any(), eventlog.NoStream(), eventlog.StreamExists()} {
		if _, err := s.Append(ctx, stream, exp, newEvents("CardUsed_v1", 1)); !errors.Is(err, eventlog.ErrStreamDeleted) {
			t.Errorf("Append(%s): %v, want ErrStreamDeleted", exp, err)
		}
	}
	if err := s.DeleteStream(ctx, stream, eventlog.Any()); !errors.Is(err, eventlog.ErrStreamDeleted) {
		t.Errorf("DeleteStream: %v, want ErrStreamDeleted", err)
	}
}

func TestAppendValidation(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := newStore(t, esdbfake.Start(t))
	for name, evs := range map[string][]eventlog.EventData{
		"no events":  nil,
		"bad id":     {{ID: "42", Type: "CardIssued_v1", Data: []byte(`{}`)}},
		"empty type": {{ID: uuid.NewString(), Data: []byte(`{}`)}},
	} {
		if _, err := s.Append(ctx, "card-1", eventlog.Any(), evs); err == nil {
			t.Errorf("%s: Append succeeded", name)
		}
	}
}

// collect receives n events, failing the test on error.
func collect(t *testing.T, ctx context.Context, sub eventlog.Subscription, n int) []eventlog.RecordedEvent {
	t.Helper()
	out := make([]eventlog.RecordedEvent, 0, n)
	for len(out) < n {
		e, err := sub.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, e)
	}
	return out
}

func TestSubscribeFilters(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := newStore(t, esdbfake.Start(t))
	card, room := eventlog.StreamID("card", uuid.NewString()), eventlog.StreamID("room", uuid.NewString())
	// A category that is a prefix of another must not match it.
	cards := eventlog.StreamID("cards", uuid.NewString())
	appendTyped := func(stream string, types ...string) []eventlog.EventData {
		evs := make([]eventlog.EventData, len(types))
		for i, typ := range types {
			evs[i] = newEvent(typ)
		}
		if _, err := s.Append(ctx, stream, eventlog.Any(), evs); err != nil {
			t.Fatal(err)
		}
		return evs
	}
	c := appendTyped(card, "CardIssued_v1", "CardUsed_v1", "CardUsed_v10")
	r := appendTyped(room, "CardUsed_v1", "RoomBooked_v1")
	x := appendTyped(cards, "CardUsed_v1")

	for _, tc := range []struct {
		name   string
		filter eventlog.Filter
		want   []string
	}{
		{"category", eventlog.Filter{Categories: []string{"card"}}, ids(c)},
		{"event type (exact, not a prefix)", eventlog.Filter{EventTypes: []string{"CardUsed_v1"}}, []string{c[1].ID, r[0].ID, x[0].ID}},
		{"category and type", eventlog.Filter{Categories: []string{"card", "room"}, EventTypes: []string{"CardUsed_v1"}}, []string{c[1].ID, r[0].ID}},
	} {
		sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{Filter: tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		got := collect(t, ctx, sub, len(tc.want))
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		sub.Close()
	}
}
