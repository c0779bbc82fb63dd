package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fiveapis/backend/domain/eventlog"
)

// SubscribeAll starts a catch-up subscription to $all after opts.After (Start:
// from the first event). It is the server's catch-up subscription
// (SubscribeToAll) with a server-side filter: stream-name prefixes
// "<category>-" for categories, else event-type prefixes for event types,
// else the exclusion of system event types; the exact filter and the
// exclusion of system streams and types are applied again here.
//
// When the server drops the subscription (connection lost, node restarted,
// subscription dropped), it resubscribes after the last event it received,
// with exponential backoff, so that no event is skipped or delivered twice.
// It ends only with Close, or with an error that retrying cannot fix
// (authentication, access), which Recv then returns.
//
// ctx bounds the start of the subscription only.
func (s *Store) SubscribeAll(ctx context.Context, opts eventlog.SubscribeOptions) (eventlog.Subscription, error) {
	sub := &subscription{
		store:     s,
		filter:    opts.Filter,
		server:    serverFilter(opts.Filter),
		events:    make(chan eventlog.RecordedEvent),
		done:      make(chan struct{}),
		cursor:    opts.After,
		hasCursor: !opts.After.IsStart(),
	}
	sub.ctx, sub.cancel = context.WithCancel(context.WithoutCancel(ctx))
	first, err := sub.open(ctx)
	if err != nil {
		sub.cancel()
		return nil, fmt.Errorf("subscribe to $all after %s: %w", opts.After, err)
	}
	// Tracked only once run will close done, which Store.Close waits for.
	if !s.track(sub) {
		_ = first.Close()
		sub.cancel()
		return nil, fmt.Errorf("subscribe to $all: %w", errClosed)
	}
	go sub.run(first)
	return sub, nil
}

// serverFilter is the filter the server applies: it cannot combine stream
// names and event types, and matches prefixes, so it may let more through
// than the port's filter.
func serverFilter(f eventlog.Filter) *esdb.SubscriptionFilter {
	switch {
	case len(f.Categories) > 0:
		prefixes := make([]string, len(f.Categories))
		for i, c := range f.Categories {
			prefixes[i] = c + "-"
		}
		return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: prefixes}
	case len(f.EventTypes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: append([]string(nil), f.EventTypes...)}
	default:
		return esdb.ExcludeSystemEventsFilter()
	}
}

// subscription is a resubscribing catch-up subscription. One goroutine (run)
// reads the client's subscription and hands matching events to Recv over an
// unbuffered channel, so an event is either delivered or still ahead of the
// cursor when the subscription drops.
type subscription struct {
	store  *Store
	filter eventlog.Filter
	server *esdb.SubscriptionFilter
	events chan eventlog.RecordedEvent

	ctx       context.Context // ends with Close
	cancel    context.CancelFunc
	closeOnce sync.Once
	closed    atomic.Bool
	done      chan struct{} // closed when run returns
	err       error         // why run returned, when not closed; set before done

	// Owned by run: the position of the last event received from the server
	// (delivered or filtered out), where a resubscription starts.
	cursor    eventlog.Position
	hasCursor bool
}

// Recv returns the next event. It returns ctx's error when ctx ends,
// eventlog.ErrSubscriptionClosed after Close, or the error that ended the
// subscription.
func (sub *subscription) Recv(ctx context.Context) (eventlog.RecordedEvent, error) {
	select {
	case ev := <-sub.events:
		return ev, nil
	case <-sub.done:
		if sub.err != nil && !sub.closed.Load() {
			return eventlog.RecordedEvent{}, sub.err
		}
		return eventlog.RecordedEvent{}, eventlog.ErrSubscriptionClosed
	case <-ctx.Done():
		return eventlog.RecordedEvent{}, ctx.Err()
	}
}

// Close ends the subscription and waits for its goroutine.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() {
		sub.closed.Store(true)
		sub.cancel()
	})
	<-sub.done
	return nil
}

// open subscribes after the cursor. The subscription's stream lives as long
// as sub.ctx; wait bounds only how long opening may take.
func (sub *subscription) open(wait context.Context) (*esdb.Subscription, error) {
	var from esdb.AllPosition = esdb.Start{}
	if sub.hasCursor {
		from = esdb.Position{Commit: sub.cursor.Commit, Prepare: sub.cursor.Prepare}
	}
	opts := esdb.SubscribeToAllOptions{From: from, Filter: sub.server}
	wait, cancel := sub.store.opContext(wait)
	defer cancel()
	return call(wait, sub.store, func(_ context.Context, c *esdb.Client) (*esdb.Subscription, error) {
		return c.SubscribeToAll(sub.ctx, opts)
	}, func(late *esdb.Subscription) { _ = late.Close() })
}

func (sub *subscription) run(cur *esdb.Subscription) {
	defer close(sub.done)
	defer sub.store.untrack(sub)
	log := sub.store.cfg.Logger
	backoff := sub.store.cfg.ResubscribeMinBackoff
	for {
		err := sub.drain(cur)
		_ = cur.Close()
		if sub.ctx.Err() != nil {
			return
		}
		if permanent(err) {
			sub.err = fmt.Errorf("subscription to $all dropped: %w", err)
			return
		}
		log.Warn("eventstoredb: subscription to $all dropped; resubscribing", "err", err, "after", sub.cursor.String())
		for {
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-sub.ctx.Done():
				t.Stop()
				return
			}
			cur, err = sub.open(sub.ctx)
			if err == nil {
				backoff = sub.store.cfg.ResubscribeMinBackoff
				log.Info("eventstoredb: resubscribed to $all", "after", sub.cursor.String())
				break
			}
			if sub.ctx.Err() != nil {
				return
			}
			if permanent(err) {
				sub.err = fmt.Errorf("resubscribe to $all: %w", err)
				return
			}
			log.Debug("eventstoredb: resubscribe to $all failed", "err", err)
			backoff = min(2*backoff, sub.store.cfg.ResubscribeMaxBackoff)
		}
	}
}

// drain hands the events of one client subscription to Recv until it drops.
func (sub *subscription) drain(cur *esdb.Subscription) error {
	for {
		ev := cur.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			return ev.SubscriptionDropped.Error
		case ev.EventAppeared != nil:
			r := toRecorded(ev.EventAppeared)
			// Never at or before the cursor: a server that includes the
			// start position must not make us repeat an event.
			if sub.hasCursor && !sub.cursor.Less(r.Position) {
				continue
			}
			if !isSystem(r) && sub.filter.Match(r.StreamID, r.Type) {
				select {
				case sub.events <- r:
				case <-sub.ctx.Done():
					return sub.ctx.Err()
				}
			}
			sub.cursor, sub.hasCursor = r.Position, true
		}
		// Checkpoints are not used to move the cursor: their meaning has
		// varied between server versions (prepare = 0, or the position of
		// the next event), and a wrong one would skip an event.
	}
}

// permanent reports errors that resubscribing cannot fix.
func permanent(err error) bool {
	if errors.Is(err, errClosed) {
		return true
	}
	for _, code := range []esdb.ErrorCode{esdb.ErrorCodeUnauthenticated, esdb.ErrorCodeAccessDenied, esdb.ErrorCodeUnsupportedFeature} {
		if isCode(err, code) {
			return true
		}
	}
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied, codes.Unimplemented, codes.InvalidArgument:
		return true
	}
	return false
}
