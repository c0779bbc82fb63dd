package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
)

// TestRawPageReadsWhatScanReads: a page read from the rows' raw values holds
// exactly what rows.Scan gives for the same rows (ids, streams, versions,
// types, data and metadata of every size, including empty and past the
// arena's growth, and recorded_at with its location), and its data cannot
// grow into the next event's.
func TestRawPageReadsWhatScanReads(t *testing.T) {
	t.Parallel()
	pool, dsn := newPool(t, 4)
	s := newStore(t, pool, Config{})
	ctx := context.Background()
	for i := range 40 {
		ev := eventlog.EventData{ID: uuid.NewString(), Type: fmt.Sprintf("Noted_v%d", i%3+1),
			Data:     bytes.Repeat([]byte{byte('a' + i%26)}, (i*i*97)%70000),
			Metadata: []byte(fmt.Sprintf(`{"user_id":"用户%d"}`, i))}
		if i%7 == 0 {
			ev.Data, ev.Metadata = []byte{}, []byte{}
		}
		if _, err := s.Append(ctx, fmt.Sprintf("流-%d", i%5), eventlog.Any(), []eventlog.EventData{ev}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.readPage(ctx, pool, readAllSQL[0], []any{int64(0), 100}, 100)
	if err != nil {
		t.Fatal(err)
	}

	rows, err := pool.Query(ctx, readAllSQL[0], int64(0), 100)
	if err != nil {
		t.Fatal(err)
	}
	readable := rawReadable(rows.FieldDescriptions())
	rows.Close()
	if !readable {
		t.Fatalf("the log's columns came as %+v: the raw path is not taken", rows.FieldDescriptions())
	}
	want := scanPage(t, pool, 100)
	if len(want) != 40 {
		t.Fatalf("%d events scanned", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-scan +raw):\n%s", diff)
	}
	// A pool on the simple protocol gets text results: the same page by Scan.
	simple, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	simple.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	simplePool, err := pgxpool.NewWithConfig(ctx, simple)
	if err != nil {
		t.Fatal(err)
	}
	defer simplePool.Close()
	textRows, err := simplePool.Query(ctx, readAllSQL[0], int64(0), 100)
	if err != nil {
		t.Fatal(err)
	}
	textReadable := rawReadable(textRows.FieldDescriptions())
	textRows.Close()
	if textReadable {
		t.Fatal("text results taken as raw-readable")
	}
	viaScan, err := s.readPage(ctx, simplePool, readAllSQL[0], []any{int64(0), 100}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, viaScan); diff != "" {
		t.Fatalf("simple protocol (-scan +readPage):\n%s", diff)
	}

	for i, e := range got {
		if e.RecordedAt.Location() != want[i].RecordedAt.Location() {
			t.Fatalf("event %d recorded at %v, scanned %v", i, e.RecordedAt, want[i].RecordedAt)
		}
		if cap(e.Data) != len(e.Data) || cap(e.Metadata) != len(e.Metadata) {
			t.Fatalf("event %d: data or metadata has room to grow into the page's next bytes", i)
		}
		if !strings.HasPrefix(e.StreamID, "流-") {
			t.Fatalf("event %d: stream %q", i, e.StreamID)
		}
	}
}

// BenchmarkReadPage reads one page of 1,000 card-use-sized events from its
// raw values (readPage) and with rows.Scan, side by side in one run; the
// query, and PostgreSQL's part, are the same for both.
func BenchmarkReadPage(b *testing.B) {
	pool, _ := newPool(b, 4)
	s := newStore(b, pool, Config{})
	ctx := context.Background()
	data := []byte(`{"card_id":104233,"batch_id":812,"template_id":17,"category":"dance","user_id":99321,"username":"user99321","ip_address":"10.1.2.3","user_agent":"loadgen/1.0 (linux)","used_at":"2026-11-21T17:00:00.123456789Z"}`)
	meta := []byte(`{"correlation_id":"5d1f6c0e-2b8a-4f7e-9c3d-1a2b3c4d5e6f","user_id":"99321","client_ip":"10.1.2.3","user_agent":"loadgen/1.0 (linux)","occurred_at":"2026-11-21T17:00:00.123456789Z"}`)
	for i := range 1000 {
		ev := eventlog.EventData{ID: uuid.NewString(), Type: "CardUsed_v1", Data: data, Metadata: meta}
		if _, err := s.Append(ctx, fmt.Sprintf("card-%d", i), eventlog.NoStream(), []eventlog.EventData{ev}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.readPage(ctx, pool, readAllSQL[0], []any{int64(0), 1000}, 1000); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			scanPage(b, pool, 1000)
		}
	})
}

// scanPage reads the first limit events of the log with rows.Scan, as
// readPage did before it read raw values.
func scanPage(tb testing.TB, pool *pgxpool.Pool, limit int) []eventlog.RecordedEvent {
	tb.Helper()
	rows, err := pool.Query(context.Background(), readAllSQL[0], int64(0), limit)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var events []eventlog.RecordedEvent
	for rows.Next() {
		var (
			e                 eventlog.RecordedEvent
			position, version int64
		)
		if err := rows.Scan(&position, &e.ID, &e.StreamID, &version, &e.Type, &e.Data, &e.Metadata, &e.RecordedAt); err != nil {
			tb.Fatal(err)
		}
		e.Position, e.Version = positionOf(position), uint64(version)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return events
}
