package pgstore

import (
	"context"
	"sync"
	"time"
)

// statistics keeps the planner's statistics of eventstore.events and
// eventstore.streams current, as autovacuum's analyze would: after
// Config.AnalyzeEvery events appended by this Store, or as many as the log
// held at the last ANALYZE (the log doubled), whichever is more. The append and snapshot statements are prepared once
// per connection; planned while the tables were small and never analyzed
// (autovacuum is off on some servers, this project's CI machines among them),
// they scan both tables in full, and every append under the lock grows
// slower with the log. ANALYZE invalidates those plans, and the new ones look
// rows up by index. It runs in the background, one at a time. Each process
// counts its own appends, so a process that only reads never analyzes, and
// one that appends does whether or not anything subscribes. Once the tables
// are analyzed big, the plans stay index lookups however much they grow (the
// planner scales row counts by the table's current size), so analyzing more
// often than at each doubling only costs: under the card uses of
// docs/benchmarks.md (2), ANALYZE every fifth of the log took 12 % of
// PostgreSQL's CPU (perf, 2026-12-04).
type statistics struct {
	store *Store

	mu      sync.Mutex
	since   int  // events appended since the last ANALYZE began
	running bool // an ANALYZE runs
}

// appended counts n events just written, the last of them at position head.
func (st *statistics) appended(n int, head uint64) {
	every := st.store.cfg.AnalyzeEvery
	if every <= 0 {
		return
	}
	st.mu.Lock()
	st.since += n
	due := !st.running && st.since >= max(every, int(head/2))
	if due {
		st.running, st.since = true, 0
	}
	st.mu.Unlock()
	if !due {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(st.store.ctx, 5*time.Minute)
		defer cancel()
		// A failure (the store closing, a lock timeout) only delays the
		// next attempt.
		_, _ = st.store.pool.Exec(ctx, `ANALYZE eventstore.events, eventstore.streams`)
		st.mu.Lock()
		st.running = false
		st.mu.Unlock()
	}()
}
