package pgstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/google/uuid"
)

// BenchmarkAppend appends one event to a new stream per operation from many
// goroutines (16 per GOMAXPROCS), with group commit on (with and without a
// window) and off. appends/txn is the mean number of appends that shared a
// transaction.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"GroupCommit", Config{}},
		{"GroupCommitWindow1ms", Config{GroupCommitWindow: time.Millisecond}},
		{"NoGroupCommit", Config{DisableGroupCommit: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			pool, _ := newPool(b, 32)
			s := newStore(b, pool, tc.cfg)
			ctx := b.Context()
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e := eventlog.EventData{ID: uuid.NewString(), Type: "Benched_v1", Data: []byte(`{"n":1}`), Metadata: []byte(`{}`)}
					if _, err := s.Append(ctx, "bench-"+uuid.NewString(), eventlog.NoStream(), []eventlog.EventData{e}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if s.writer != nil && s.writer.batches.Load() > 0 {
				b.ReportMetric(float64(s.writer.requests.Load())/float64(s.writer.batches.Load()), "appends/txn")
			}
		})
	}
}

// BenchmarkWriteBatch writes batches of n single-event appends to new
// streams from one goroutine (writeBatch, as the group-commit writer does),
// so that a batch's fixed cost (its round trip, statement and commit) and its
// cost per event can be told apart: ns/op is per batch.
func BenchmarkWriteBatch(b *testing.B) {
	data := []byte(`{"card_id":123456789,"batch_id":1,"template_id":1,"category":"dance","user_id":12,"username":"bulk_12","ip_address":"127.0.0.1","user_agent":"loadgen","used_at":"2026-12-05T20:00:00Z"}`)
	for _, n := range []int{1, 16, 256} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			pool, _ := newPool(b, 4)
			s := newStore(b, pool, Config{})
			ctx := b.Context()
			for b.Loop() {
				batch := make([]*appendRequest, n)
				for i := range batch {
					e := eventlog.EventData{ID: uuid.NewString(), Type: "CardUsed_v1", Data: data, Metadata: []byte(`{"correlation_id":"bench"}`)}
					r, err := newAppendRequest(ctx, "card-"+uuid.NewString(), eventlog.NoStream(), []eventlog.EventData{e})
					if err != nil {
						b.Fatal(err)
					}
					batch[i] = r
				}
				if _, err := s.writeBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/event")
		})
	}
}
