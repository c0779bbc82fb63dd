package engine_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/projections/engine"
)

// BenchmarkReadYourWritesUnderPoison is issue 12's second defect as a
// figure: one user writes and waits until the projection has applied the
// write (the read-your-writes wait of every command) alone ("quiet"), while
// another user appends an ordinary event every 5 ms to the same projection
// ("busy"), and while an attacker appends one PostgreSQL refuses (a NUL
// byte) at the same rate ("attacked"), with the engine's default retry
// policy. A poison event is parked at its first failure (failures.go), so
// the attacked user should wait about as long as the busy one: an attacker
// costs what any writer costs, not the retry schedule. p50-ns and p99-ns are
// reported beside the mean, and parked (the other writer's parked events).
func BenchmarkReadYourWritesUnderPoison(b *testing.B) {
	for _, load := range []struct{ name, other string }{
		{"quiet", ""}, {"busy", "another good note"}, {"attacked", "bad\x00text"},
	} {
		b.Run(load.name, func(b *testing.B) {
			e := newEnv(b)
			cfg := testConfig()
			cfg.Retry = engine.RetryPolicy{} // the defaults: 3 retries from 100 ms
			eng := newEngine(b, e, cfg, &texter{attempts: map[string]int{}})
			start(b, eng)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			if load.other != "" {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tick := time.NewTicker(5 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-ctx.Done():
							return
						case <-tick.C:
							appendNote(b, e.store, load.other)
						}
					}
				}()
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				_, pos := appendNote(b, e.store, "a good note")
				if err := eng.WaitFor(context.Background(), pos, "texts"); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			cancel()
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
			if load.other != "" {
				parked, err := eng.Parked(context.Background(), "texts")
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(parked)), "parked")
			}
		})
	}
}
