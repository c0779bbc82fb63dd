package esdbfake_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fiveapis/backend/transport/eventstore/eventstoredb/esdbfake"
)

// These tests pin the wire behaviour of the fake as the official client sees
// it; the adapter's tests cover the rest through the adapter.

func client(t *testing.T, srv *esdbfake.Server) *esdb.Client {
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
	t.Cleanup(func() { c.Close() })
	return c
}

func events(n int) []esdb.EventData {
	out := make([]esdb.EventData, n)
	for i := range out {
		out[i] = esdb.EventData{EventID: uuid.New(), EventType: "Noted_v1", ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)}
	}
	return out
}

func readAll(t *testing.T, c *esdb.Client, stream string, opts esdb.ReadStreamOptions, count uint64) ([]*esdb.ResolvedEvent, error) {
	t.Helper()
	rs, err := c.ReadStream(t.Context(), stream, opts, count)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdb.ResolvedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func TestServerFeatures(t *testing.T) {
	c := client(t, esdbfake.NewServer(t))
	v, err := c.GetServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.Major != 24 || v.Minor != 10 {
		t.Errorf("server version %+v, want 24.10", v)
	}
}

func TestAppendWire(t *testing.T) {
	ctx := t.Context()
	srv := esdbfake.NewServer(t)
	c := client(t, srv)
	evs := events(2)
	res, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
	if err != nil {
		t.Fatal(err)
	}
	if res.NextExpectedVersion != 1 || res.CommitPosition != srv.LastPosition() || res.CommitPosition != res.PreparePosition {
		t.Errorf("append result %+v, want revision 1 at the last position %d", res, srv.LastPosition())
	}
	// The same ids again: the server's idempotency answers with the original.
	again, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs...)
	if err != nil || *again != *res {
		t.Errorf("idempotent retry = %+v, %v; want %+v", again, err, res)
	}
	// A conflict is an answer, not a status: the client decodes it.
	_, err = c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(1)...)
	if code(err) != esdb.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), "expecting 'no_stream' but got '1'") {
		t.Errorf("conflict: %v", err)
	}
	_, err = c.AppendToStream(ctx, "card-2", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(4)}, events(1)...)
	if code(err) != esdb.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), "expecting '4' but got 'no_stream'") {
		t.Errorf("conflict on an absent stream: %v", err)
	}
}

func TestDeleteWire(t *testing.T) {
	ctx := t.Context()
	srv := esdbfake.NewServer(t)
	c := client(t, srv)
	if _, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{}, events(3)...); err != nil {
		t.Fatal(err)
	}
	// A failed delete is a FailedPrecondition status with the server's
	// message; the client does not decode its trailers.
	_, err := c.DeleteStream(ctx, "card-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(0)})
	if st, _ := status.FromError(err); st.Code() != codes.FailedPrecondition ||
		!strings.Contains(st.Message(), "Delete failed due to WrongExpectedVersion. Stream: card-1, Expected version: 0, Actual version: 2") {
		t.Errorf("delete conflict: %v", err)
	}
	del, err := c.DeleteStream(ctx, "card-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, c, "card-1", esdb.ReadStreamOptions{}, 10); code(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("read after soft delete: %v, want ResourceNotFound", err)
	}
	// The soft delete is a $metadata event in $$card-1.
	meta, err := readAll(t, c, "$$card-1", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil || len(meta) != 1 || meta[0].Event.EventType != "$metadata" || meta[0].Event.Position.Commit != del.Position.Commit {
		t.Errorf("metadata after delete = %+v, %v", meta, err)
	}
	// Deleting a stream without events succeeds on the server.
	if _, err := c.DeleteStream(ctx, "card-none", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Any{}}); err != nil {
		t.Errorf("delete of an absent stream: %v", err)
	}
	// Appending recreates the stream after the deleted versions.
	res, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(1)...)
	if err != nil || res.NextExpectedVersion != 3 {
		t.Fatalf("append after delete = %+v, %v; want revision 3", res, err)
	}
	got, err := readAll(t, c, "card-1", esdb.ReadStreamOptions{}, 10)
	if err != nil || len(got) != 1 || got[0].Event.EventNumber != 3 {
		t.Errorf("read after recreate = %d events, %v", len(got), err)
	}
	// A tombstone is a stream-deleted exception, which the client decodes.
	if _, err := c.TombstoneStream(ctx, "card-1", esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Any{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, c, "card-1", esdb.ReadStreamOptions{}, 10); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("read after tombstone: %v, want StreamDeleted", err)
	}
	if _, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{}, events(1)...); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("append after tombstone: %v, want StreamDeleted", err)
	}
}

func TestReadAllWire(t *testing.T) {
	ctx := t.Context()
	srv := esdbfake.NewServer(t)
	c := client(t, srv)
	if _, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{}, events(3)...); err != nil {
		t.Fatal(err)
	}
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var all []*esdb.ResolvedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ev)
	}
	rs.Close()
	if len(all) != 6 || !strings.HasPrefix(all[0].Event.StreamID, "$") || all[3].Event.StreamID != "card-1" {
		t.Fatalf("$all = %d events starting with %s, want 3 system events then card-1", len(all), all[0].Event.StreamID)
	}
	// A forward $all read includes the event at its start position.
	rs, err = c.ReadAll(ctx, esdb.ReadAllOptions{From: all[4].Event.Position}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := rs.Recv()
	rs.Close()
	if err != nil || ev.Event.EventID != all[4].Event.EventID {
		t.Errorf("read from a position = %v, %v; want the event at that position", ev, err)
	}
	// A backward $all read from the end.
	rs, err = c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ev, err = rs.Recv()
	rs.Close()
	if err != nil || ev.Event.EventID != all[5].Event.EventID {
		t.Errorf("backward read from the end = %v, %v; want the last event", ev, err)
	}
}

func TestSubscriptionWire(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	srv := esdbfake.NewServer(t)
	c := client(t, srv)
	for range 40 {
		if _, err := c.AppendToStream(ctx, "other-1", esdb.AppendToStreamOptions{}, events(1)...); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{}, events(2)...)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:   esdb.Start{},
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"card-"}},
	})
	if err != nil {
		t.Fatal(err) // the client returns only after the Confirmation
	}
	defer sub.Close()
	var got []string
	checkpoints, caughtUp := 0, false
	for len(got) < 3 {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			t.Fatalf("dropped: %v", ev.SubscriptionDropped.Error)
		case ev.CheckPointReached != nil:
			checkpoints++
		case ev.CaughtUp != nil:
			caughtUp = true
			// Live from here.
			if _, err := c.AppendToStream(ctx, "card-1", esdb.AppendToStreamOptions{}, events(1)...); err != nil {
				t.Fatal(err)
			}
		case ev.EventAppeared != nil:
			got = append(got, ev.EventAppeared.Event.StreamID)
		}
	}
	if !caughtUp || checkpoints == 0 {
		t.Errorf("caught up %v, %d checkpoints; want both with a filter over 43 events", caughtUp, checkpoints)
	}
	// A subscription from a position starts after it.
	sub2, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:   esdb.Position{Commit: first.CommitPosition, Prepare: first.PreparePosition},
		Filter: esdb.ExcludeSystemEventsFilter(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	for {
		ev := sub2.Recv()
		if ev.EventAppeared != nil {
			if ev.EventAppeared.Event.EventNumber != 2 {
				t.Errorf("first event after the position: %s/%d, want card-1/2", ev.EventAppeared.Event.StreamID, ev.EventAppeared.Event.EventNumber)
			}
			break
		}
		if ev.SubscriptionDropped != nil {
			t.Fatal(ev.SubscriptionDropped.Error)
		}
	}
	if n := srv.DropSubscriptions(); n != 2 {
		t.Errorf("dropped %d subscriptions, want 2", n)
	}
	for {
		if ev := sub2.Recv(); ev.SubscriptionDropped != nil {
			if status.Code(ev.SubscriptionDropped.Error) != codes.Unavailable {
				t.Errorf("dropped with %v, want Unavailable", ev.SubscriptionDropped.Error)
			}
			break
		}
	}
}
