package pgstore

import (
	"time"

	"testing"

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
