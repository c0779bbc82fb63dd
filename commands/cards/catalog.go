package cards

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// catalog caches the folded batches and templates a card use reads, so that
// a use costs no read of their streams. It is only used while FollowCatalog
// runs, and it is kept exact the way a read model is, but synchronously for
// this process's own writes:
//
//   - every append of these handlers to a batch or template stream forgets
//     the entry before returning (catalogStore), so a change made through
//     this process is seen by the next use, as without the cache;
//   - changes made by other processes arrive through a subscription to the
//     log, which forgets the entry when the change is delivered: a use
//     decided in the few milliseconds between another process's change and
//     its delivery sees the batch as it was, exactly as if the use had
//     arrived those milliseconds earlier. Never longer: an entry is only
//     stored when no forget happened while it was loading (generations).
type catalog struct {
	mu      sync.Mutex
	live    bool // FollowCatalog is subscribed
	gen     uint64
	batches map[int64]catalogEntry
}

type catalogEntry struct {
	batch cards.Batch
	tmpl  cards.Template
}

func newCatalog() *catalog { return &catalog{batches: map[int64]catalogEntry{}} }

// get returns the cached entry of a batch; token is to be passed to put
// after loading on a miss.
func (c *catalog) get(batchID int64) (e catalogEntry, ok bool, token uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return catalogEntry{}, false, 0
	}
	e, ok = c.batches[batchID]
	return e, ok, c.gen
}

// put stores an entry loaded after get returned token, unless something was
// forgotten meanwhile (the load may have read the state before the change).
func (c *catalog) put(batchID int64, e catalogEntry, token uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live && c.gen == token {
		c.batches[batchID] = e
	}
}

// forget drops what a change of stream may have made stale: the batch of a
// batch stream, every batch of a template stream (few: templates rarely
// change).
func (c *catalog) forget(stream string) {
	cat, id, _ := strings.Cut(stream, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch cat {
	case cards.BatchCategory:
		c.gen++
		delete(c.batches, n)
	case cards.TemplateCategory:
		c.gen++
		for b, e := range c.batches {
			if e.batch.TemplateID == n {
				delete(c.batches, b)
			}
		}
	}
}

// setLive turns the cache on (subscribed) or off and empties it.
func (c *catalog) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.gen++
	clear(c.batches)
}

// catalogStore forgets the catalog entries of the streams these handlers
// append to, once the append has happened.
type catalogStore struct {
	handling.EventStore
	catalog *catalog
}

func (s catalogStore) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.Event, meta eventlog.Metadata) (eventlog.AppendResult, error) {
	res, err := s.EventStore.Append(ctx, stream, expected, events, meta)
	s.catalog.forget(stream)
	return res, err
}

// usable returns the batch and template a use of a card of batchID decides
// on, from the catalog or from their streams.
func (h *Handlers) usable(ctx context.Context, batchID int64) (cards.Batch, cards.Template, error) {
	e, ok, token := h.catalog.get(batchID)
	if ok {
		return e.batch, e.tmpl, nil
	}
	batch, _, err := h.loadBatch(ctx, batchID)
	if err != nil {
		return cards.Batch{}, cards.Template{}, err
	}
	if !batch.Exists() {
		return batch, cards.Template{}, nil
	}
	tmpl, err := h.loadTemplate(ctx, batch.TemplateID)
	if err != nil {
		return cards.Batch{}, cards.Template{}, err
	}
	h.catalog.put(batchID, catalogEntry{batch: batch, tmpl: tmpl}, token)
	return batch, tmpl, nil
}

// catalogResubscribeDelay is the pause before FollowCatalog subscribes again
// after its subscription failed.
const catalogResubscribeDelay = time.Second

// FollowCatalog keeps the card-use cache of batches and templates (see
// catalog) exact for changes made by other server processes: it follows the
// log's batch and template events from its head and forgets what they change.
// The cache is used only while it runs; without it every use reads the
// batch and template streams. It returns when ctx ends.
func (h *Handlers) FollowCatalog(ctx context.Context, log eventlog.Store) error {
	head, ok := eventlog.Capability[eventlog.HeadReader](log)
	if !ok {
		<-ctx.Done()
		return nil
	}
	for {
		// A failed subscription (the database away) turns the cache off
		// until it is back; nothing else to report.
		_ = h.followCatalog(ctx, log, head)
		h.catalog.setLive(false)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(catalogResubscribeDelay):
		}
	}
}

func (h *Handlers) followCatalog(ctx context.Context, log eventlog.Store, hr eventlog.HeadReader) error {
	from, err := hr.Head(ctx)
	if err != nil {
		return fmt.Errorf("catalog: head: %w", err)
	}
	sub, err := log.SubscribeAll(ctx, eventlog.SubscribeOptions{After: from,
		Filter: eventlog.Filter{Categories: []string{cards.BatchCategory, cards.TemplateCategory}}})
	if err != nil {
		return fmt.Errorf("catalog: subscribe: %w", err)
	}
	defer sub.Close()
	// Everything up to from is in what the next loads read; everything after
	// it comes through the subscription.
	h.catalog.setLive(true)
	for {
		ev, err := sub.Recv(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("catalog: %w", err)
		}
		h.catalog.forget(ev.StreamID)
	}
}
