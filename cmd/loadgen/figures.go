package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	cards "github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
)

// ---- 1. references ----

const refTable = `CREATE TABLE IF NOT EXISTS bench_ref (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL,
  data jsonb NOT NULL)`

// refPayload is about the size of a CardUsed event's JSON.
const refPayload = `{"card_id": 123456, "batch_id": 42, "template_id": 1, "category": "dance", "user_id": 7, "username": "bench_user_7", "ip_address": "127.0.0.1", "user_agent": "Go-http-client/1.1", "used_at": "2026-11-21T13:00:00.000000Z"}`

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbenchTPS runs one custom script with 32 clients and returns its tps.
func pgbenchTPS(ctx context.Context, bin, dsn, script string, secs int) (float64, string, error) {
	args := []string{"-n", "-c", "32", "-j", "2", "-T", strconv.Itoa(secs), "-f", script, dsn}
	cmdline := bin + " -n -c 32 -j 2 -T " + strconv.Itoa(secs) + " -f " + filepath.Base(script) + " <bench db>"
	var out []byte
	err := retryTooMany(ctx, func() error {
		var err error
		out, err = exec.CommandContext(ctx, bin, args...).CombinedOutput()
		if err != nil && bytes.Contains(out, []byte("too many clients")) {
			return errTooMany
		}
		return err
	})
	if err != nil {
		return 0, cmdline, fmt.Errorf("%s: %w: %s", cmdline, err, out)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return 0, cmdline, fmt.Errorf("%s: no tps in output: %s", cmdline, out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	return tps, cmdline, err
}

func writeScripts(dir string) (single, hundred string, err error) {
	single = filepath.Join(dir, "insert1.sql")
	hundred = filepath.Join(dir, "insert100.sql")
	s1 := "\\set id random(1, 1000000000)\nINSERT INTO bench_ref (stream_id, data) VALUES ('card-' || :id, '" + refPayload + "');\n"
	s100 := "\\set id random(1, 1000000000)\nINSERT INTO bench_ref (stream_id, data) SELECT 'card-' || (:id + g), '" + refPayload + "' FROM generate_series(1, 100) g;\n"
	if err = os.WriteFile(single, []byte(s1), 0o644); err != nil {
		return
	}
	err = os.WriteFile(hundred, []byte(s100), 0o644)
	return
}

var errTooMany = errors.New("PostgreSQL: too many clients")

// retryTooMany retries f for up to a minute while PostgreSQL refuses
// connections because max_connections is reached (other users of the same
// server: this machine's PostgreSQL is shared).
func retryTooMany(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		var pgErr *pgconn.PgError
		tooMany := errors.Is(err, errTooMany) || (errors.As(err, &pgErr) && pgErr.Code == "53300")
		if !tooMany || time.Now().After(deadline) {
			return err
		}
		logf("PostgreSQL has too many clients; retrying")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// ---- 2 and 4: card uses on distinct cards ----

type useRun struct {
	OK, Failed int64
	Elapsed    time.Duration
	Lat, RYW   []float64 // ms, ascending
	Cmd        []float64 // ms, ascending: deciding and appending, as the server reports it
	PeakRSS    int64
	CPU        cpuTime // used by the server, PostgreSQL and the load generator during the run
	FirstErr   string
}

func (r useRun) rps() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// useLoad runs clients goroutines that each use fresh cards for d.
func useLoad(ctx context.Context, f *fixture, pool *cardPool, clients int, d time.Duration, pid int) (useRun, error) {
	return runUses(ctx, func(int) *client { return f.c }, f.user, func() (string, error) {
		_, _, code, err := pool.take()
		return code, err
	}, clients, d, pid)
}

// runUses runs clients goroutines that each POST /api/card/cards/use/ with
// the card codes of next for d, worker i to to(i) with auth(i); pids are the
// server processes whose CPU time (with PostgreSQL's) it records, and the
// first one's RSS.
func runUses(ctx context.Context, to func(int) *client, auth func(int) string, next func() (string, error), clients int, d time.Duration, pids ...int) (useRun, error) {
	var (
		ok, failed atomic.Int64
		lat, ryw   latencies
		cmdTime    latencies
		firstErr   atomic.Value
		wg         sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	rss := sampleRSS(pids[0], 100*time.Millisecond)
	cpuBefore, cpuErr := readCPU(pids...)
	start := time.Now()
	for i := range clients {
		auth, c := auth(i), to(i)
		wg.Go(func() {
			for ctx.Err() == nil {
				code, err := next()
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					cancel()
					return
				}
				t0 := time.Now()
				a, err := c.do(ctx, http.MethodPost, "/api/card/cards/use/", auth, map[string]string{"card_code": code})
				if ctx.Err() != nil {
					return
				}
				if err != nil || a.Status != http.StatusOK {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, failure(a, err))
					continue
				}
				lat.add(float64(time.Since(t0).Microseconds()) / 1000)
				ok.Add(1)
				if ms, found := timingMillis(a.Header, "ryw"); found {
					ryw.add(ms)
				}
				if ms, found := timingMillis(a.Header, "cmd"); found {
					cmdTime.add(ms)
				}
			}
		})
	}
	wg.Wait()
	r := useRun{OK: ok.Load(), Failed: failed.Load(), Elapsed: time.Since(start), Lat: lat.sorted(), RYW: ryw.sorted(), Cmd: cmdTime.sorted(), PeakRSS: rss.Stop()}
	if cpuAfter, err := readCPU(pids...); err == nil && cpuErr == nil {
		r.CPU = cpuAfter.sub(cpuBefore)
	}
	if v := firstErr.Load(); v != nil {
		r.FirstErr = v.(string)
	}
	if r.FirstErr == errPoolEmpty.Error() {
		return r, errPoolEmpty
	}
	return r, nil
}

// ---- 3: contention ----

type contentionRun struct {
	Successes, AlreadyUsed, Other int64
	Elapsed                       time.Duration
	FirstErr                      string
}

// contention: clients goroutines each try every card of b, in the same order,
// so at any moment they race for the same card.
func contention(ctx context.Context, f *fixture, b batch, clients int) contentionRun {
	var (
		succ, used, other atomic.Int64
		firstErr          atomic.Value
		wg                sync.WaitGroup
	)
	start := time.Now()
	for i := range clients {
		auth := f.user(i)
		wg.Go(func() {
			for id := b.Start; id <= b.End && ctx.Err() == nil; id++ {
				code := f.signer.Code(b.Code, id)
				a, err := f.c.do(ctx, http.MethodPost, "/api/card/cards/use/", auth, map[string]string{"card_code": code})
				switch {
				case err == nil && a.Status == http.StatusOK:
					succ.Add(1)
				case err == nil && a.Status == http.StatusBadRequest && bytes.Contains(a.Body, []byte(`"CARD_ALREADY_USED"`)):
					used.Add(1)
				default:
					other.Add(1)
					firstErr.CompareAndSwap(nil, failure(a, err))
				}
			}
		})
	}
	wg.Wait()
	r := contentionRun{Successes: succ.Load(), AlreadyUsed: used.Load(), Other: other.Load(), Elapsed: time.Since(start)}
	if v := firstErr.Load(); v != nil {
		r.FirstErr = v.(string)
	}
	return r
}

// ---- 5: the log and the rebuild ----

// ---- 1b and 5: CardUsed events appended through pgstore directly ----

// cardStore appends CardUsed events through pgstore with the server's codec
// and configuration, as the card commands would, on a small pool of its own
// (PostgreSQL's connections are shared with the server).
type cardStore struct {
	db      *pgxpool.Pool
	store   *pgstore.Store
	streams *eventstore.Streams
}

// openCardStore opens the store on dsn; migrate creates its schema first
// (before the server has started).
func openCardStore(ctx context.Context, dsn string, migrate bool) (*cardStore, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pcfg.MaxConns = 4
	db, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := pgstore.Migrate(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	reg, err := codec.New(cards.Events()...)
	if err != nil {
		db.Close()
		return nil, err
	}
	store, err := pgstore.New(db, pgstore.Config{})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &cardStore{db: db, store: store, streams: eventstore.NewStreams(store, reg)}, nil
}

// close flushes the store's queued appends (Store.Close is idempotent) and
// closes its pool.
func (c *cardStore) close() {
	c.store.Close()
	c.db.Close()
}

// use appends the use of card id of batch b by load-generator worker w.
func (c *cardStore) use(ctx context.Context, w int, id int64, b batch, correlation string) error {
	now := time.Now().UTC()
	ev := cards.CardUsed{CardID: id, BatchID: b.ID, TemplateID: b.TemplateID, Category: cards.Category("dance"),
		UserID: int64(w%userCount + 2), Username: fmt.Sprintf("bulk_%d", w%userCount), IPAddress: "127.0.0.1",
		UserAgent: "loadgen", UsedAt: now}
	_, err := c.streams.Append(ctx, cards.CardStream(id), eventlog.NoStream(), []eventlog.Event{ev},
		eventlog.Metadata{CorrelationID: correlation, OccurredAt: now})
	return err
}

// firstErr keeps the first error of many goroutines.
type firstErr struct{ ch chan error }

func newFirstErr() firstErr { return firstErr{ch: make(chan error, 1)} }

func (f firstErr) set(err error) {
	select {
	case f.ch <- err:
	default:
	}
}

func (f firstErr) get() error {
	select {
	case err := <-f.ch:
		return err
	default:
		return nil
	}
}

// storeAppends appends one CardUsed event to a new card stream per
// operation from clients goroutines for d, on the bench database before the
// server starts (figure 1b), and returns appends/s. It then empties the log,
// so that the server starts on an empty store as in every other run.
func storeAppends(ctx context.Context, dsn string, clients int, d time.Duration) (float64, error) {
	cs, err := openCardStore(ctx, dsn, true)
	if err != nil {
		return 0, err
	}
	defer cs.close()
	var next atomic.Int64
	next.Store(1 << 40) // far above any card id of the run
	r, err := appendLoad(ctx, cs, clients, d, "loadgen-store", func() (batch, int64, error) {
		return batch{ID: 1, TemplateID: 1}, next.Add(1), nil
	})
	if err != nil {
		return 0, err
	}
	if _, err := cs.db.Exec(ctx, `TRUNCATE eventstore.events, eventstore.streams RESTART IDENTITY`); err != nil {
		return 0, fmt.Errorf("empty the log: %w", err)
	}
	return r.rps(), nil
}

// appendRun is a run of single-event appends through pgstore.
type appendRun struct {
	OK      int64
	Elapsed time.Duration
	Lat     []float64 // ms, ascending
}

func (r appendRun) rps() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// appendLoad appends one CardUsed event per operation, for the cards next
// hands out, from clients goroutines for d, and flushes the store's queue at
// the end (Store.Close is idempotent: the store takes no appends after).
func appendLoad(ctx context.Context, cs *cardStore, clients int, d time.Duration, correlation string, next func() (batch, int64, error)) (appendRun, error) {
	var (
		n    atomic.Int64
		lat  latencies
		wg   sync.WaitGroup
		errs = newFirstErr()
	)
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			for runCtx.Err() == nil {
				t0 := time.Now()
				b, id, err := next()
				if err == nil {
					err = cs.use(ctx, w, id, b, correlation)
				}
				if err != nil {
					errs.set(err)
					cancel()
					return
				}
				if runCtx.Err() == nil {
					n.Add(1)
					lat.add(float64(time.Since(t0).Microseconds()) / 1000)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cs.store.Close() // writes what is queued, stops announcing
	if err := errs.get(); err != nil {
		return appendRun{}, err
	}
	return appendRun{OK: n.Load(), Elapsed: elapsed, Lat: lat.sorted()}, nil
}

// fillWorkers append concurrently, so that group commit writes big batches.
const fillWorkers = 512

// fillLog appends CardUsed events for fresh cards directly through pgstore
// (the same store and codec as the server) until the log holds want events.
func fillLog(ctx context.Context, dsn string, pool *cardPool, want int64) (appended int64, elapsed time.Duration, err error) {
	cs, err := openCardStore(ctx, dsn, false)
	if err != nil {
		return 0, 0, err
	}
	defer cs.close()
	var have int64
	err = retryTooMany(ctx, func() (err error) { have, err = countEvents(ctx, cs.db); return err })
	if err != nil {
		return 0, 0, err
	}
	need := want - have
	if need <= 0 {
		return 0, 0, nil
	}
	if pool.left() < need {
		return 0, 0, fmt.Errorf("need %d cards for the log, %d left", need, pool.left())
	}
	var (
		n    atomic.Int64
		wg   sync.WaitGroup
		errs = newFirstErr()
	)
	start := time.Now()
	for w := range fillWorkers {
		wg.Go(func() {
			for n.Add(1) <= need && ctx.Err() == nil {
				b, id, _, err := pool.take()
				if err == nil {
					err = cs.use(ctx, w, id, b, "loadgen-fill")
				}
				if err != nil {
					errs.set(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errs.get(); err != nil {
		return 0, 0, err
	}
	return need, time.Since(start), ctx.Err()
}

func countEvents(ctx context.Context, db *pgxpool.Pool) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, `SELECT count(*) FROM eventstore.events`).Scan(&n)
	return n, err
}

type rebuildRun struct {
	Elapsed time.Duration
	PeakRSS int64
	CPU     cpuTime // used by the server, PostgreSQL and the load generator during the rebuild
}

// rebuild rebuilds every card projection at once (blue/green, through the
// admin API) and waits until all have switched.
func rebuild(ctx context.Context, f *fixture, pid int, limit time.Duration) (rebuildRun, error) {
	if err := f.refresh(ctx, false); err != nil {
		return rebuildRun{}, err
	}
	before, err := f.status(ctx)
	if err != nil {
		return rebuildRun{}, err
	}
	rss := sampleRSS(pid, 50*time.Millisecond)
	cpuBefore, cpuErr := readCPU(pid)
	start := time.Now()
	for _, n := range cardProjections {
		if err := f.c.call(ctx, http.MethodPost, "/api/admin/projections/"+n+"/rebuild/", f.adminAuth(), nil, http.StatusAccepted, nil); err != nil {
			rss.Stop()
			return rebuildRun{}, err
		}
	}
	for {
		st, err := f.status(ctx)
		if err != nil {
			rss.Stop()
			return rebuildRun{}, err
		}
		done := true
		for _, n := range cardProjections {
			if p := st[n]; p.Rebuilding || p.ActiveGeneration <= before[n].ActiveGeneration {
				done = false
			}
		}
		if done {
			r := rebuildRun{Elapsed: time.Since(start), PeakRSS: rss.Stop()}
			if cpuAfter, err := readCPU(pid); err == nil && cpuErr == nil {
				r.CPU = cpuAfter.sub(cpuBefore)
			}
			return r, nil
		}
		if time.Since(start) > limit {
			rss.Stop()
			return rebuildRun{}, fmt.Errorf("rebuild not done after %s: %+v", limit, st)
		}
		select {
		case <-ctx.Done():
			rss.Stop()
			return rebuildRun{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ---- 6: queries under the command load ----

type queryRun struct {
	Cards, Stats []float64 // ms ascending
	// Trips: GET /api/v1/trips/?page=…; Thread: a trip's comment thread;
	// Month: a Ralendar user's month with subscribed calendars.
	Trips, Thread, Month []float64
	// Travel: the travel app's public lists (albums, long images, a tag,
	// forum pages), anonymous.
	Travel   []float64
	Use      useRun
	Failed   int64
	FirstErr string
}

func queriesUnderLoad(ctx context.Context, f *fixture, pool *cardPool, big []batch, d time.Duration, pid int) (queryRun, error) {
	var (
		cardsLat, statsLat  latencies
		tripsLat, threadLat latencies
		monthLat, travelLat latencies
		failed              atomic.Int64
		firstErr            atomic.Value
		wg                  sync.WaitGroup
	)
	qctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	query := func(lat *latencies, path func() string, auth ...func() string) {
		who := f.adminAuth
		if len(auth) > 0 {
			who = auth[0]
		}
		getLoop(qctx, f.c, lat, path, who, &failed, &firstErr)
	}
	wg.Go(func() {
		query(&cardsLat, func() string {
			b := big[rand.IntN(len(big))]
			pages := (b.End - b.Start + 1) / 20
			return fmt.Sprintf("/api/card/cards/?batch=%d&page=%d", b.ID, 1+rand.Int64N(pages))
		})
	})
	wg.Go(func() { query(&statsLat, func() string { return "/api/card/statistics/" }) })
	if f.thread != "" {
		wg.Go(func() {
			query(&tripsLat, func() string { return fmt.Sprintf("/api/v1/trips/?page=%d", 1+rand.IntN(f.tripPages)) })
		})
		wg.Go(func() { query(&threadLat, func() string { return "/api/v1/trips/" + f.thread + "/comments/" }) })
	}
	if f.forumPages != 0 {
		var n atomic.Int64
		wg.Go(func() {
			query(&travelLat, func() string { return f.travelQuery(int(n.Add(1))) }, func() string { return "" })
		})
	}
	if f.calendarYear != 0 {
		wg.Go(func() { query(&monthLat, f.calendarMonth, func() string { return f.user(f.calendarUser) }) })
	}
	use, err := useLoad(ctx, f, pool, 32, d, pid)
	wg.Wait()
	r := queryRun{Cards: cardsLat.sorted(), Stats: statsLat.sorted(), Trips: tripsLat.sorted(), Thread: threadLat.sorted(), Month: monthLat.sorted(), Travel: travelLat.sorted(), Use: use,
		Failed: failed.Load()}
	if v := firstErr.Load(); v != nil {
		r.FirstErr = v.(string)
	}
	return r, err
}

// failure describes a call that did not answer 200: its error, or its
// status and the start of its body.
func failure(a answer, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d %.200s", a.Status, a.Body)
}

// getLoop sends GET path() as auth() one after another until ctx ends and
// adds the latency of each 200 to lat; other answers are counted in failed
// and the first of them kept in firstErr.
func getLoop(ctx context.Context, c *client, lat *latencies, path, auth func() string, failed *atomic.Int64, firstErr *atomic.Value) {
	for ctx.Err() == nil {
		t0 := time.Now()
		a, err := c.do(ctx, http.MethodGet, path(), auth(), nil)
		if ctx.Err() != nil {
			return
		}
		if err != nil || a.Status != http.StatusOK {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, failure(a, err))
			continue
		}
		lat.add(float64(time.Since(t0).Microseconds()) / 1000)
	}
}

// ---- profile ----

// fetchProfile takes a CPU profile of the server for secs seconds and
// returns pprof's top lists (flat and cumulative).
func fetchProfile(ctx context.Context, s *server, secs int, bin, keep string) (string, string, error) {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debugBase, secs))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return "", "", err
	}
	return summarize(ctx, buf.Bytes(), bin, keep)
}

func summarize(ctx context.Context, prof []byte, bin, keep string) (string, string, error) {
	path := keep
	if path == "" {
		tmp, err := os.CreateTemp("", "server-cpu-*.pprof")
		if err != nil {
			return "", "", err
		}
		tmp.Close()
		path = tmp.Name()
	}
	if err := os.WriteFile(path, prof, 0o644); err != nil {
		return "", "", err
	}
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", bin, path).CombinedOutput()
	if err != nil {
		return "", path, fmt.Errorf("pprof: %w: %s", err, top)
	}
	cum, _ := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=40", bin, path).CombinedOutput()
	return string(top) + "\n--- by cumulative time ---\n" + string(cum), path, nil
}

// cpuProfile takes a CPU profile of the server for secs seconds while the
// command load runs, and returns pprof's top list.
func cpuProfile(ctx context.Context, s *server, f *fixture, pool *cardPool, secs int, bin, keep string) (string, string, error) {
	var (
		prof []byte
		perr error
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		time.Sleep(time.Second)
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debugBase, secs))
		if err != nil {
			perr = err
			return
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, perr = buf.ReadFrom(resp.Body)
		prof = buf.Bytes()
	})
	if _, err := useLoad(ctx, f, pool, 32, time.Duration(secs+2)*time.Second, s.pid()); err != nil {
		return "", "", err
	}
	wg.Wait()
	if perr != nil {
		return "", "", perr
	}
	return summarize(ctx, prof, bin, keep)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
