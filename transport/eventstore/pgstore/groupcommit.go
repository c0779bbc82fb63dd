package pgstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// writer is the group-commit writer: one goroutine that writes the queued
// append requests in shared transactions (see the package documentation).
type writer struct {
	s     *Store
	queue chan *appendRequest

	// mu guards closed and makes close wait for senders, so that no request
	// is sent after the queue is closed.
	mu     sync.RWMutex
	closed bool
	done   chan struct{}

	// batches and requests count what execute wrote, for tests.
	batches, requests atomic.Int64
}

func newWriter(s *Store) *writer {
	w := &writer{
		s:     s,
		queue: make(chan *appendRequest, s.cfg.QueueSize),
		done:  make(chan struct{}),
	}
	go w.run()
	return w
}

// submit queues r and waits for its response.
func (w *writer) submit(ctx context.Context, r *appendRequest) (eventlog.AppendResult, error) {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return eventlog.AppendResult{}, fmt.Errorf("pgstore: append to %s: %w", r.stream, ErrClosed)
	}
	select {
	case w.queue <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return eventlog.AppendResult{}, fmt.Errorf("pgstore: append to %s: not written: %w", r.stream, ctx.Err())
	}
	select {
	case resp := <-r.done:
		return resp.res, resp.err
	case <-ctx.Done():
		return eventlog.AppendResult{}, fmt.Errorf("pgstore: append to %s: outcome unknown: %w", r.stream, ctx.Err())
	}
}

// close stops accepting requests, lets the writer write the queued ones and
// waits for it to finish.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *writer) run() {
	defer close(w.done)
	var (
		open      = true
		maxEvents = w.s.cfg.MaxBatchEvents
	)
	for {
		r, ok := <-w.queue
		if !ok {
			return
		}
		batch, events := []*appendRequest{r}, len(r.events)
		add := func(r *appendRequest, ok bool) bool {
			if !ok {
				open = false
				return false
			}
			batch = append(batch, r)
			events += len(r.events)
			return true
		}
		if window := w.s.cfg.GroupCommitWindow; window > 0 && open && events < maxEvents {
			timer := time.NewTimer(window)
		collect:
			for events < maxEvents {
				select {
				case r, ok := <-w.queue:
					if !add(r, ok) {
						break collect
					}
				case <-timer.C:
					break collect
				}
			}
			timer.Stop()
		}
		// Take whatever queued up while the previous batch was committing.
	drain:
		for open && events < maxEvents {
			select {
			case r, ok := <-w.queue:
				if !add(r, ok) {
					break drain
				}
			default:
				break drain
			}
		}
		w.execute(batch)
	}
}

// execute writes one batch and answers its requests.
func (w *writer) execute(batch []*appendRequest) {
	live := make([]*appendRequest, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- appendResponse{err: fmt.Errorf("pgstore: append to %s: not written: %w", r.stream, err)}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	w.batches.Add(1)
	w.requests.Add(int64(len(live)))
	// The batch does not use a caller's context: one caller giving up must
	// not fail the others. Callers stop waiting on their own context.
	ctx := context.Background()
	resps, err := w.s.writeBatch(ctx, live)
	var failed []*appendRequest
	for i, r := range live {
		if resps[i].answered {
			r.done <- resps[i]
		} else {
			failed = append(failed, r)
		}
	}
	if err == nil {
		return
	}
	if len(failed) == 1 {
		res, err := w.s.aloneError(ctx, failed[0], err)
		failed[0].done <- appendResponse{res: res, err: err}
		return
	}
	// Retry one by one so a request that breaks the transaction fails
	// alone. Appends are idempotent by event id, so a write whose commit
	// outcome is unknown is safe to retry.
	for _, r := range failed {
		res, err := w.s.appendAlone(r.ctx, r)
		r.done <- appendResponse{res: res, err: err}
	}
}
