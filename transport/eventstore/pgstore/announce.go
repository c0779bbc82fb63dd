package pgstore

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// announcer tells every process that appends committed: pg_notify on
// NotifyChannel with the position of the last event, sent right after the
// commit, outside the appending transaction. Inside it, the NOTIFY would make
// the commit take PostgreSQL's notification lock (one per database, held by
// every notifying transaction from its commit until it is done) across the
// append's WAL flush, and every projection commit, which announces its
// checkpoint the same way, would wait for that flush. A notification that
// only notifies writes no WAL, so it holds the lock for an instant.
//
// Announcements are coalesced: while one is sent, later positions wait, and
// only the highest goes next. A failed one is retried after
// Config.ReconnectDelay; subscriptions also poll (Config.PollInterval).
// This process's own subscriptions do not wait for it: the writer records
// its events in the tail (tail.record).
type announcer struct {
	store *Store
	wake  chan struct{} // capacity 1: something is pending
	done  chan struct{} // closed when run returns

	mu      sync.Mutex
	pending int64 // highest position not yet announced, 0 for none
	stop    bool  // close asked: flush what is pending, then return
}

func newAnnouncer(s *Store) *announcer {
	a := &announcer{store: s, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go a.run()
	return a
}

// announce asks for position to be announced.
func (a *announcer) announce(position int64) {
	a.mu.Lock()
	a.pending = max(a.pending, position)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// close sends what is pending (giving up after a few seconds) and stops.
func (a *announcer) close() {
	a.mu.Lock()
	a.stop = true
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
	<-a.done
}

func (a *announcer) run() {
	defer close(a.done)
	var giveUp time.Time
	for {
		<-a.wake
		for {
			a.mu.Lock()
			pos, stop := a.pending, a.stop
			a.pending = 0
			a.mu.Unlock()
			if pos == 0 {
				if stop {
					return
				}
				break
			}
			if stop && giveUp.IsZero() {
				giveUp = time.Now().Add(5 * time.Second)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := a.store.pool.Exec(ctx, "SELECT pg_notify($1, $2)", NotifyChannel, strconv.FormatInt(pos, 10))
			cancel()
			if err == nil {
				continue
			}
			if stop && time.Now().After(giveUp) {
				return // the subscriptions' safety poll finds the events
			}
			a.announce(pos)
			select {
			case <-time.After(a.store.cfg.ReconnectDelay):
			case <-a.store.ctx.Done():
				if !stop {
					return
				}
			}
		}
	}
}
