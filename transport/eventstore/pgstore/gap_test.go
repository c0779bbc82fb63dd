package pgstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Environment of an appender child process (see TestMain).
const (
	childDSNEnv      = "PGSTORE_CHILD_DSN"
	childForEnv      = "PGSTORE_CHILD_FOR"
	childGroupEnv    = "PGSTORE_CHILD_GROUP_COMMIT"
	childCategoryEnv = "PGSTORE_CHILD_CATEGORY"
)

// runChild appends from this extra OS process until its time is up and
// prints the appended event ids, one per line.
func runChild(dsn string) int {
	d, err := time.ParseDuration(os.Getenv(childForEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer pool.Close()
	s, err := New(pool, Config{DisableGroupCommit: os.Getenv(childGroupEnv) != "1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer s.Close()
	ids, err := appendUntil(ctx, s, os.Getenv(childCategoryEnv), 4, time.Now().Add(d))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	for _, id := range ids {
		fmt.Fprintln(w, id)
	}
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}

// appendUntil runs workers goroutines that append batches of 1-3 events until
// deadline, each to streams of its own (new ones with NoStream, then Exact),
// and returns the ids appended.
func appendUntil(ctx context.Context, s eventlog.Store, category string, workers int, deadline time.Time) ([]string, error) {
	var (
		mu   sync.Mutex
		ids  []string
		errs []error
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			type stream struct {
				id   string
				last *uint64
			}
			var streams []stream
			var mine []string
			for time.Now().Before(deadline) {
				if len(streams) < 4 || rand.IntN(4) == 0 {
					streams = append(streams, stream{id: fmt.Sprintf("%s-%d%s", category, w, uuid.NewString()[:8])})
				}
				i := rand.IntN(len(streams))
				evs := make([]eventlog.EventData, 1+rand.IntN(3))
				for j := range evs {
					evs[j] = eventlog.EventData{ID: uuid.NewString(), Type: "Appended_v1", Data: []byte(`{}`)}
				}
				res, err := s.Append(ctx, streams[i].id, eventlog.AfterVersion(streams[i].last), evs)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("worker %d: %w", w, err))
					mu.Unlock()
					return
				}
				v := res.NextVersion
				streams[i].last = &v
				for _, e := range evs {
					mine = append(mine, e.ID)
				}
			}
			mu.Lock()
			ids = append(ids, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return ids, errs[0]
	}
	return ids, nil
}

// collector records what a consumer of the global log saw.
type collector struct {
	mu     sync.Mutex
	seen   map[string]int
	n      int
	errs   []string
	last   eventlog.Position
	events atomic.Int64
}

func newCollector() *collector { return &collector{seen: map[string]int{}} }

func (c *collector) add(e eventlog.RecordedEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.last.Less(e.Position) && len(c.errs) < 10 {
		c.errs = append(c.errs, fmt.Sprintf("position %s after %s", e.Position, c.last))
	}
	c.last = e.Position
	c.seen[e.ID]++
	c.n++
	c.events.Add(1)
}

func (c *collector) check(t *testing.T, name string, want map[string]bool) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		t.Errorf("%s: %s", name, e)
	}
	missing, twice := 0, 0
	for id := range want {
		switch c.seen[id] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	if missing > 0 || twice > 0 || c.n != len(want) {
		t.Errorf("%s: saw %d events for %d appended: %d missing, %d more than once", name, c.n, len(want), missing, twice)
	}
}

// TestNoGaps appends from 16 goroutines (two Stores, group commit on and
// off), two extra OS processes and one transaction that stays open for 1.5s,
// while a subscription, a subscription with tiny pages and a checkpointing
// ReadAll poller (the consumer the classic defect breaks) follow the log from
// Start, and a subscription and a poller filtered to one appender's category
// read it from the database in small pages. Each must see every appended
// event (of its category) exactly once, in increasing position order.
func TestNoGaps(t *testing.T) {
	t.Parallel()
	const appendFor = 3 * time.Second
	pool, dsn := newPool(t, 24)
	ctx := t.Context()
	grouped := newStore(t, pool, Config{PollInterval: 10 * time.Second})
	single := newStore(t, pool, Config{DisableGroupCommit: true})
	pager := newStore(t, pool, Config{SubscriptionPageSize: 7})
	// A tail smaller than a burst of appends: subscriptions fall out of it
	// and read the database, then catch up into it again.
	tiny := newStore(t, pool, Config{TailCapacity: 16, TailPageSize: 5})
	untailed := newStore(t, pool, Config{TailCapacity: -1})
	// Filtered reads from the database, in pages small enough to fill
	// from the first positions (dense) and to need the head (sparse).
	filteredPager := newStore(t, pool, Config{SubscriptionPageSize: 3, TailCapacity: -1})
	local0 := eventlog.Filter{Categories: []string{"local0"}}

	// Consumers, started before any append.
	cctx, stopConsumers := context.WithCancel(ctx)
	defer stopConsumers()
	var consumers sync.WaitGroup
	subscribed, paged, polled := newCollector(), newCollector(), newCollector()
	tinyTail, noTail := newCollector(), newCollector()
	filteredSub, filteredPoll := newCollector(), newCollector()
	for _, c := range []struct {
		s      *Store
		col    *collector
		filter eventlog.Filter
	}{{grouped, subscribed, eventlog.Filter{}}, {pager, paged, eventlog.Filter{}}, {tiny, tinyTail, eventlog.Filter{}},
		{untailed, noTail, eventlog.Filter{}}, {filteredPager, filteredSub, local0}} {
		sub, err := c.s.SubscribeAll(ctx, eventlog.SubscribeOptions{Filter: c.filter})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		consumers.Go(func() {
			for {
				e, err := sub.Recv(cctx)
				if err != nil {
					return
				}
				c.col.add(e)
			}
		})
	}
	poll := func(col *collector, filter eventlog.Filter, max int) {
		after := eventlog.Start
		for cctx.Err() == nil {
			page, err := single.ReadAll(cctx, eventlog.ReadAllOptions{After: after, Filter: filter, Max: max})
			if err != nil {
				return
			}
			for _, e := range page {
				col.add(e)
				after = e.Position
			}
			if len(page) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	consumers.Go(func() { poll(polled, eventlog.Filter{}, 50) })
	consumers.Go(func() { poll(filteredPoll, local0, 5) })

	// Two extra processes.
	type childOut struct {
		ids []string
		err error
	}
	children := make(chan childOut, 2)
	for i, group := range []string{"1", "0"} {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(),
			childDSNEnv+"="+dsn,
			childForEnv+"="+appendFor.String(),
			childGroupEnv+"="+group,
			fmt.Sprintf("%s=child%d", childCategoryEnv, i))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start child: %v", err)
		}
		go func() {
			err := cmd.Wait()
			if err != nil {
				err = fmt.Errorf("child %d: %w: %s", i, err, stderr.String())
			}
			children <- childOut{ids: strings.Fields(stdout.String()), err: err}
		}()
	}

	// 16 goroutines in this process, half through each Store.
	deadline := time.Now().Add(appendFor)
	var local sync.WaitGroup
	var localIDs [2][]string
	var localErr [2]error
	for i, s := range []*Store{grouped, single} {
		local.Go(func() { localIDs[i], localErr[i] = appendUntil(ctx, s, fmt.Sprintf("local%d", i), 8, deadline) })
	}

	// One transaction appends, then stays open before committing.
	time.Sleep(500 * time.Millisecond)
	long := []eventlog.EventData{newEvent(), newEvent(), newEvent()}
	req, err := newAppendRequest(ctx, "long-1", eventlog.NoStream(), long)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	resps, err := grouped.writeInTx(ctx, tx, []*appendRequest{req})
	if err != nil || resps[0].err != nil {
		t.Fatalf("long transaction: %v %+v", err, resps)
	}
	before := subscribed.events.Load()
	time.Sleep(1500 * time.Millisecond)
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit long transaction: %v", err)
	}
	t.Logf("long transaction at position %s; consumers saw %d events before it committed", resps[0].res.Position, before)

	local.Wait()
	want, wantLocal0 := map[string]bool{}, map[string]bool{}
	for _, e := range long {
		want[e.ID] = true
	}
	for i := range localIDs {
		if localErr[i] != nil {
			t.Errorf("local appender %d: %v", i, localErr[i])
		}
		for _, id := range localIDs[i] {
			want[id] = true
			if i == 0 {
				wantLocal0[id] = true
			}
		}
	}
	for range 2 {
		out := <-children
		if out.err != nil {
			t.Fatalf("%v", out.err)
		}
		if len(out.ids) == 0 {
			t.Errorf("a child appended nothing")
		}
		for _, id := range out.ids {
			want[id] = true
		}
	}

	// Let the consumers catch up, then stop them.
	wait := time.Now().Add(20 * time.Second)
	for time.Now().Before(wait) {
		if subscribed.events.Load() >= int64(len(want)) && paged.events.Load() >= int64(len(want)) && polled.events.Load() >= int64(len(want)) &&
			tinyTail.events.Load() >= int64(len(want)) && noTail.events.Load() >= int64(len(want)) &&
			filteredSub.events.Load() >= int64(len(wantLocal0)) && filteredPoll.events.Load() >= int64(len(wantLocal0)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for any duplicate to show up
	stopConsumers()
	consumers.Wait()
	t.Logf("%d events appended", len(want))
	subscribed.check(t, "subscription", want)
	paged.check(t, "subscription with pages of 7", want)
	polled.check(t, "ReadAll poller", want)
	tinyTail.check(t, "subscription with a tail of 16", want)
	noTail.check(t, "subscription without the tail", want)
	filteredSub.check(t, "subscription to local0 in pages of 3", wantLocal0)
	filteredPoll.check(t, "ReadAll poller of local0", wantLocal0)
}

// TestWithoutTheLockAReaderSkips shows the defect the append lock prevents,
// and that the poller of TestNoGaps would catch it: a transaction that draws
// a position without the lock and commits late is skipped by a reader that
// already moved its checkpoint past it.
func TestWithoutTheLockAReaderSkips(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, 4)
	s := newStore(t, pool, Config{})
	ctx := t.Context()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `INSERT INTO eventstore.events (event_id, stream_id, version, category, event_type, data, metadata)
		VALUES (gen_random_uuid(), 'rogue-1', 0, 'rogue', 'Rogue_v1', '', '')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "card-1", eventlog.NoStream(), []eventlog.EventData{newEvent()}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ReadAll(ctx, eventlog.ReadAllOptions{})
	if err != nil || len(page) != 1 {
		t.Fatalf("ReadAll: %v %d", err, len(page))
	}
	checkpoint := page[0].Position
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	page, err = s.ReadAll(ctx, eventlog.ReadAllOptions{After: checkpoint})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.ReadAll(ctx, eventlog.ReadAllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 || len(all) != 2 {
		t.Fatalf("after the late commit: %d new events after the checkpoint, %d in all; want 0 and 2 (the skip)", len(page), len(all))
	}
}

// writeInTx decides batch and writes it inside tx in a single round, leaving
// the commit to the caller, who holds the append lock until then: an
// appending transaction that stays open.
func (s *Store) writeInTx(ctx context.Context, tx pgx.Tx, batch []*appendRequest) ([]appendResponse, error) {
	streams, ids := keys(batch)
	rows, err := tx.Query(ctx, loadStateSQL, streams, ids)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	st, err := scanState(rows)
	if err != nil {
		return nil, err
	}
	settled, p, deferred := decide(batch, st)
	if len(deferred) > 0 {
		return nil, errors.New("write in transaction: colliding event ids")
	}
	applied, _, err := p.run(ctx, tx, applySQL, false)
	if err != nil {
		return nil, err
	}
	// Announce the write at the transaction's commit, as the store does
	// after its own.
	var last uint64
	for _, resp := range applied {
		last = max(last, resp.res.Position.Commit)
	}
	if last > 0 {
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", NotifyChannel, strconv.FormatUint(last, 10)); err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
	}
	resps := make([]appendResponse, len(batch))
	for i, r := range batch {
		resp, ok := settled[r]
		if !ok {
			resp, ok = applied[r]
		}
		if !ok {
			return nil, errors.New("write in transaction: stream changed")
		}
		resps[i] = resp
	}
	return resps, nil
}
