package main

// Figure 11, issue 19 target 6: "Cost as the log grows". `loadgen bench
// -growth` fills one fresh log up to each size of -growth-sizes in turn and,
// at each, measures the append latency, a projection's catch-up rate and the
// hottest reads. A measure is "flat" when its value at the largest size is
// within ±25 % of its value at the smallest: this VM's run-to-run noise is
// up to 30 % (docs/benchmarks.md), so a narrower band would call noise a
// trend, and a wider one would hide a real linear cost (10× the log). A
// measure that is not flat gets a line of what it reads: the sizes of the
// tables (with their indexes) behind it at each log size and, for the
// user's cards, the plan of the count every page of theirs makes.

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// growthSizes are the default log sizes of figure 11 (the 10M run is why
// it is on demand: make bench-growth, not make bench).
func growthSizes(short bool) []int64 {
	if short {
		return []int64{20_000, 200_000}
	}
	return []int64{1_000_000, 10_000_000}
}

// growthPlan is what figure 11 does at each size.
type growthPlan struct {
	AppendClients, ReadClients int
	AppendDur, ReadDur         time.Duration
	// CatchUp events are appended while the server is stopped.
	CatchUp    int64
	CatchUpMax time.Duration
	// FillMax bounds waiting for the projections after a fill.
	FillMax time.Duration
}

func growthPlanFor(short bool) growthPlan {
	if short {
		return growthPlan{AppendClients: 32, ReadClients: 16, AppendDur: 10 * time.Second, ReadDur: 5 * time.Second,
			CatchUp: 10_000, CatchUpMax: 3 * time.Minute, FillMax: 5 * time.Minute}
	}
	return growthPlan{AppendClients: 32, ReadClients: 16, AppendDur: 10 * time.Second, ReadDur: 10 * time.Second,
		CatchUp: 100_000, CatchUpMax: 15 * time.Minute, FillMax: 2 * time.Hour}
}

// appendCardsPerSec bounds the cards an append run can use (pgstore alone
// did about 6,000 appends/s on this VM): the pool of each size has that
// many cards over the fill and the catch-up.
const appendCardsPerSec = 20_000

// userCardsCount is the count of GET /api/card/user/cards/ (queries/cards
// UserCards, without its filters) for user 2, the first the fill's uses go
// to (each of the 8 users has 1/8 of them): every page sums the user's
// daily totals (card_usage version 2; version 1 counted every use).
const userCardsCount = `SELECT coalesce(sum(u.count), 0) FROM card_usage.user_daily_usage u WHERE u.user_id = 2`

// statsUsedCards is the used-cards query of GET /api/card/statistics/
// (queries/cards Statistics, its default 30 days). Until card_stats version
// 4 (the statistics' own read model before card_usage version 3) it and the
// statistics' two other batch queries joined a row per day and batch to the
// batches, and grew with them (figure 11's generated log makes a batch per
// 10,000 cards, all used on the day of the run); it now sums the live
// batches' uses per day, category and creation day.
const statsUsedCards = `SELECT c.category, sum(c.count)::bigint FROM card_usage.daily_category_usage c
 WHERE c.day BETWEEN current_date - 29 AND current_date AND c.created_on <= current_date GROUP BY c.category`

// growthRead is one of the hottest reads: its name in the report, the read
// models behind it and the query whose plan explains it (see
// growthMeasure; "" for none).
type growthRead struct {
	Name    string
	Schemas []string
	Probe   string
}

// growthReads are the hottest reads, in the order of the report and of
// growthRun.readPaths.
func growthReads() []growthRead {
	return []growthRead{
		{"`GET /api/card/user/cards/` (a user with 1/8 of the uses)", []string{"card_usage", "card_batches"}, userCardsCount},
		{"`GET /api/card/cards/?batch=…&page=…` (random pages)", []string{"card_usage", "card_batches"}, ""},
		{"`GET /api/card/statistics/`", []string{"card_usage"}, statsUsedCards},
		{"`GET /api/card/cards/{id}/` (random cards)", []string{"card_usage", "card_batches", "card_templates"}, ""},
	}
}

// growthPoint is what figure 11 measured at one log size.
type growthPoint struct {
	Size int64
	// Events in the log when the reads ran (after the fill to Size and
	// the set-up's batches).
	Events int64
	Append appendRun
	// CatchUp events took CatchUpTook from the server's start until the
	// card projections had no lag; Ready of it until the server answered.
	CatchUp            int64
	CatchUpTook, Ready time.Duration
	Reads              [][]float64 // ms ascending, per growthReads
	ReadFailed         int64
	FirstErr           string
	// Relations: total size (with indexes and TOAST) of each table of the
	// event store and the card read models, by schema.table.
	Relations map[string]int64
	// Plans: EXPLAIN (ANALYZE, BUFFERS) of each measure's Probe, summed up.
	Plans map[string]string
}

func (p growthPoint) catchUpRate() float64 {
	return float64(p.CatchUp) / p.CatchUpTook.Seconds()
}

// growthRun holds the server of figure 11, which it restarts at each size.
type growthRun struct {
	o    benchOptions
	plan growthPlan
	dsn  string
	dir  string
	s    *server
	f    *fixture
	// made: every batch made so far, for the reads of random cards.
	made []batch
}

// growthOnly is `loadgen bench -growth`: figure 11 on a fresh database,
// printed and, with -out, prepended to the report.
func growthOnly(ctx context.Context, o benchOptions, dsn, dir string) error {
	start, loadStart := time.Now(), loadAvg()
	sizes := o.GrowthSizes
	if len(sizes) == 0 {
		sizes = growthSizes(o.Short)
	}
	if !slices.IsSorted(sizes) {
		return fmt.Errorf("-growth-sizes must grow: %v", sizes)
	}
	g := &growthRun{o: o, plan: growthPlanFor(o.Short), dsn: dsn, dir: dir}
	var err error
	if g.s, err = startServer(ctx, o.Server, dsn, dir); err != nil {
		return err
	}
	defer func() { g.s.stop() }()
	if g.f, err = setupFixture(ctx, newClient(g.s.base)); err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	var points []growthPoint
	for _, size := range sizes {
		p, err := g.at(ctx, size)
		if err != nil {
			return fmt.Errorf("log of %d events: %w", size, err)
		}
		points = append(points, p)
	}
	var pgVersion string
	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		_ = conn.QueryRow(ctx, "SHOW server_version").Scan(&pgVersion)
		conn.Close(ctx)
	}
	report := renderGrowth(o, g.plan, points, start, machineLine(pgVersion, loadStart, loadAvg(), time.Since(start)))
	fmt.Println(report)
	if o.Out == "" {
		return nil
	}
	if err := prepend(o.Out, report); err != nil {
		return fmt.Errorf("write %s: %w", o.Out, err)
	}
	logf("report prepended to %s", o.Out)
	return nil
}

// at fills the log up to size and measures there: the hottest reads, the
// append latency and the catch-up, in that order.
func (g *growthRun) at(ctx context.Context, size int64) (growthPoint, error) {
	p := growthPoint{Size: size, CatchUp: g.plan.CatchUp}
	pool, err := g.pool(ctx, size)
	if err != nil {
		return p, err
	}
	n, took, err := fillLog(ctx, g.dsn, pool, size)
	if err != nil {
		return p, fmt.Errorf("fill the log: %w", err)
	}
	logf("11. %d: appended %d events in %s", size, n, took.Round(time.Millisecond))
	if err := g.settle(ctx, g.plan.FillMax); err != nil {
		return p, err
	}
	// The reads first, at the log's size: the appends and the catch-up add
	// up to a few hundred thousand events.
	if err := g.vacuum(ctx, &p); err != nil {
		return p, err
	}
	if err := g.reads(ctx, &p); err != nil {
		return p, err
	}

	// A warm-up run first, not counted, as for the reads.
	if _, err := g.appends(ctx, pool, g.plan.AppendDur/5); err != nil {
		return p, err
	}
	if p.Append, err = g.appends(ctx, pool, g.plan.AppendDur); err != nil {
		return p, err
	}
	logf("11. %d: %.0f appends/s, p50 %.2f ms, p99 %.2f ms", size, p.Append.rps(), percentile(p.Append.Lat, 50), percentile(p.Append.Lat, 99))
	if err := g.settle(ctx, g.plan.CatchUpMax); err != nil {
		return p, err
	}

	if p.CatchUpTook, p.Ready, err = g.catchUp(ctx, pool); err != nil {
		return p, fmt.Errorf("catch-up: %w", err)
	}
	logf("11. %d: caught up %d events in %s (answering after %s) = %.0f events/s", size, p.CatchUp,
		p.CatchUpTook.Round(time.Millisecond), p.Ready.Round(time.Millisecond), p.catchUpRate())
	return p, nil
}

// reads runs each of growthReads() alone, after a warm-up whose answers are
// not counted (the first read of a size finds cold caches after the fill).
func (g *growthRun) reads(ctx context.Context, p *growthPoint) error {
	if err := g.f.refresh(ctx, true); err != nil {
		return err
	}
	names := growthReads()
	for i, path := range g.readPaths() {
		readLoad(ctx, g.f, g.plan.ReadClients, g.plan.ReadDur/5, path.path, path.auth)
		lat, failed, first := readLoad(ctx, g.f, g.plan.ReadClients, g.plan.ReadDur, path.path, path.auth)
		p.Reads = append(p.Reads, lat)
		p.ReadFailed += failed
		if p.FirstErr == "" {
			p.FirstErr = first
		}
		logf("11. %d: %s p50 %.2f ms, p99 %.2f ms (%d calls, %d failed)", p.Size, names[i].Name, percentile(lat, 50), percentile(lat, 99), len(lat), failed)
	}
	return nil
}

// appends runs single-event appends of the pool's cards through pgstore
// for d, on a store of their own.
func (g *growthRun) appends(ctx context.Context, pool *cardPool, d time.Duration) (appendRun, error) {
	cs, err := openCardStore(ctx, g.dsn, false)
	if err != nil {
		return appendRun{}, err
	}
	defer cs.close()
	r, err := appendLoad(ctx, cs, g.plan.AppendClients, d, "loadgen-growth", func() (batch, int64, error) {
		b, id, _, err := pool.take()
		return b, id, err
	})
	if err != nil {
		return r, fmt.Errorf("appends: %w", err)
	}
	return r, nil
}

// pool makes the batches that filling the log up to size, one append run
// and the catch-up need, and hands out their cards.
func (g *growthRun) pool(ctx context.Context, size int64) (*cardPool, error) {
	have, err := g.events(ctx)
	if err != nil {
		return nil, err
	}
	need := max(size-have, 0) + g.plan.CatchUp + int64(1.2*g.plan.AppendDur.Seconds())*appendCardsPerSec // with the warm-up
	if err := g.f.refresh(ctx, false); err != nil {
		return nil, err
	}
	bs, err := g.f.makeBatches(ctx, int((need+cardsPerBig-1)/cardsPerBig), cardsPerBig)
	if err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	g.made = append(g.made, bs...)
	return newCardPool(g.f.signer, bs), nil
}

// settle waits until the card projections have caught up.
func (g *growthRun) settle(ctx context.Context, limit time.Duration) error {
	if err := g.f.refresh(ctx, true); err != nil {
		return err
	}
	return g.f.waitCaughtUp(ctx, limit)
}

// catchUp stops the server, appends the plan's catch-up events directly,
// starts the server again and times until the card projections have no lag
// (took, from the start of the process; ready: until it answered).
func (g *growthRun) catchUp(ctx context.Context, pool *cardPool) (took, ready time.Duration, err error) {
	g.s.stop()
	have, err := g.events(ctx)
	if err != nil {
		return 0, 0, err
	}
	if _, _, err := fillLog(ctx, g.dsn, pool, have+g.plan.CatchUp); err != nil {
		return 0, 0, fmt.Errorf("append while stopped: %w", err)
	}
	start := time.Now()
	s, err := startServer(ctx, g.o.Server, g.dsn, g.dir)
	if err != nil {
		return 0, 0, err
	}
	g.s, ready = s, time.Since(start)
	g.f.c = newClient(s.base)
	if err := g.f.waitCaughtUpEvery(ctx, g.plan.CatchUpMax, 20*time.Millisecond); err != nil {
		return 0, 0, err
	}
	return time.Since(start), ready, nil
}

// events counts the log.
func (g *growthRun) events(ctx context.Context) (int64, error) {
	conn, err := pgx.Connect(ctx, g.dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT count(*) FROM eventstore.events`).Scan(&n)
	return n, err
}

// vacuum brings the bench database to the state a server's autovacuum
// keeps after a fill, then records the log's length and the tables' sizes.
// Autovacuum is off on this machine's PostgreSQL; a production server's
// vacuums and analyzes a table after inserts (PostgreSQL 13 and later).
// Without it, the reads measured next would be the first to touch most of
// the pages the fill wrote (up to 10 GB): each such read sets the page's
// hint bits and dirties it, and the fill's checkpoint writes meanwhile.
// So: VACUUM (ANALYZE) the whole database, then CHECKPOINT.
func (g *growthRun) vacuum(ctx context.Context, p *growthPoint) error {
	conn, err := pgx.Connect(ctx, g.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	start := time.Now()
	for _, stmt := range []string{`VACUUM (ANALYZE)`, `CHECKPOINT`} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	logf("11. %d: vacuumed, analyzed and checkpointed in %s", p.Size, time.Since(start).Round(time.Millisecond))
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM eventstore.events`).Scan(&p.Events); err != nil {
		return fmt.Errorf("count the log: %w", err)
	}
	rows, err := conn.Query(ctx, `
SELECT n.nspname || '.' || c.relname, pg_total_relation_size(c.oid)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND (n.nspname = 'eventstore' OR n.nspname LIKE 'card\_%')`)
	if err != nil {
		return fmt.Errorf("table sizes: %w", err)
	}
	p.Relations = map[string]int64{}
	defer rows.Close()
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			return err
		}
		p.Relations[name] = size
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	p.Plans = map[string]string{}
	for _, r := range growthReads() {
		if r.Probe == "" {
			continue
		}
		if p.Plans[r.Probe], err = explain(ctx, conn, r.Probe); err != nil {
			return fmt.Errorf("explain %s: %w", r.Probe, err)
		}
	}
	return nil
}

// readPath is one of growthReads(): its next URL and caller.
type readPath struct {
	path, auth func() string
}

// readPaths are the URLs of growthReads(), in its order, over every batch
// made so far.
func (g *growthRun) readPaths() []readPath {
	f, made := g.f, g.made
	randomCard := func() int64 {
		b := made[rand.IntN(len(made))]
		return b.Start + rand.Int64N(b.End-b.Start+1)
	}
	return []readPath{
		{func() string { return "/api/card/user/cards/" }, func() string { return f.user(0) }},
		{func() string {
			b := made[rand.IntN(len(made))]
			return fmt.Sprintf("/api/card/cards/?batch=%d&page=%d", b.ID, 1+rand.Int64N((b.End-b.Start+1)/20))
		}, f.adminAuth},
		{func() string { return "/api/card/statistics/" }, f.adminAuth},
		{func() string { return fmt.Sprintf("/api/card/cards/%d/", randomCard()) }, f.adminAuth},
	}
}

// readLoad sends GET path() as auth() from clients goroutines for d, idle
// of other load, and returns the latencies of the 200s (ms, ascending), the
// count of other answers and the first of them.
func readLoad(ctx context.Context, f *fixture, clients int, d time.Duration, path, auth func() string) ([]float64, int64, string) {
	var (
		lat      latencies
		failed   atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for range clients {
		wg.Go(func() { getLoop(rctx, f.c, &lat, path, auth, &failed, &firstErr) })
	}
	wg.Wait()
	first, _ := firstErr.Load().(string)
	return lat.sorted(), failed.Load(), first
}

// growthMeasure is one row of figure 11's table.
type growthMeasure struct {
	Name, Unit, Format string
	Value              func(growthPoint) float64
	// Schemas whose tables a measure that is not flat is explained by.
	Schemas []string
	// Probe: the read model query (from queries/cards) whose plan shows
	// what the measure reads; empty: the table sizes only.
	Probe string
}

// growthFlat is the band of "flat": the largest size's value within ±25 %
// of the smallest's (the VM's run-to-run noise is up to 30 %).
const growthFlat = 0.25

func growthMeasures() []growthMeasure {
	log := []string{"eventstore"}
	ms := []growthMeasure{
		{"append through pgstore, 32 goroutines, one event each", "appends/s", "%.0f", func(p growthPoint) float64 { return p.Append.rps() }, log, ""},
		{"… latency p50", "ms", "%.2f", func(p growthPoint) float64 { return percentile(p.Append.Lat, 50) }, log, ""},
		{"… latency p99", "ms", "%.2f", func(p growthPoint) float64 { return percentile(p.Append.Lat, 99) }, log, ""},
		{"catch-up of the card projections after a restart, from the process start", "events/s", "%.0f", growthPoint.catchUpRate,
			[]string{"eventstore", "card_templates", "card_batches", "card_usage"}, ""},
	}
	for i, r := range growthReads() {
		for _, pc := range []float64{50, 99} {
			ms = append(ms, growthMeasure{fmt.Sprintf("%s, 16 clients, p%.0f", r.Name, pc), "ms", "%.2f",
				func(p growthPoint) float64 { return percentile(p.Reads[i], pc) }, r.Schemas, r.Probe})
		}
	}
	return ms
}

// renderGrowth writes figure 11's report in Markdown.
func renderGrowth(o benchOptions, plan growthPlan, points []growthPoint, start time.Time, machine string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s — `loadgen bench -growth`\n\n%s\n\n", start.UTC().Format("2006-01-02 15:04 MST"), machine)
	fmt.Fprintf(&b, "Figure 11 (issue 19, target 6): one log filled with `CardUsed` events through pgstore up to each size; at each, "+
		"each read alone for %[3]s (after a warm-up of %[4]s), appends for %[1]s (after a warm-up of %[6]s), then a catch-up of %[2]d events appended while the server was stopped. "+
		"Flat: the largest size's value within ±%.0[5]f %% of the smallest's (this VM's run-to-run noise is up to 30 %%).\n\n",
		plan.AppendDur, plan.CatchUp, plan.ReadDur, plan.ReadDur/5, growthFlat*100, plan.AppendDur/5)
	b.WriteString("| measure |")
	for _, p := range points {
		fmt.Fprintf(&b, " %s events |", count(p.Size))
	}
	b.WriteString(" largest / smallest | verdict |\n|---|")
	b.WriteString(strings.Repeat("---|", len(points)+2) + "\n")
	b.WriteString("| events in the log at the reads |")
	for _, p := range points {
		fmt.Fprintf(&b, " %s |", count(p.Events))
	}
	b.WriteString(" | |\n")
	var notFlat []string
	planned := map[string]bool{}
	for _, m := range growthMeasures() {
		fmt.Fprintf(&b, "| %s (%s) |", m.Name, m.Unit)
		for _, p := range points {
			fmt.Fprintf(&b, " "+m.Format+" |", m.Value(p))
		}
		ratio := m.Value(points[len(points)-1]) / m.Value(points[0])
		flat := math.Abs(ratio-1) <= growthFlat
		v := "flat"
		if !flat {
			v = "**not flat**"
			probe := m.Probe
			if planned[probe] {
				probe = "" // its plan is in an earlier line
			}
			planned[probe] = true
			notFlat = append(notFlat, fmt.Sprintf("- %s: %.2f× — %s%s", m.Name, ratio, relationSizes(points, m.Schemas), planLine(points, probe)))
		}
		fmt.Fprintf(&b, " %.2f× | %s |\n", ratio, v)
	}
	fmt.Fprintf(&b, "| server start until it answered, in the catch-up (ms) |")
	for _, p := range points {
		fmt.Fprintf(&b, " %.0f |", float64(p.Ready.Microseconds())/1000)
	}
	b.WriteString(" | |\n")
	var failed int64
	var first string
	for _, p := range points {
		failed += p.ReadFailed
		if first == "" {
			first = p.FirstErr
		}
	}
	fmt.Fprintf(&b, "\nFailed reads: %d%s.\n", failed, firstOf(first))
	if len(notFlat) > 0 {
		b.WriteString("\nNot flat, with the tables behind each (total size with indexes, at each log size):\n\n" + strings.Join(notFlat, "\n") + "\n")
	}
	cmd := "make bench-growth   # = go build -o bin/ ./cmd/server ./cmd/loadgen && bin/loadgen bench -growth"
	if o.Short || len(o.GrowthSizes) > 0 {
		cmd = "go build -o bin/ ./cmd/server ./cmd/loadgen && bin/loadgen bench -growth"
		if o.Short {
			cmd += " -short"
		}
		if len(o.GrowthSizes) > 0 {
			cmd += " -growth-sizes " + strings.Join(each(o.GrowthSizes, func(n int64) string { return fmt.Sprint(n) }), ",")
		}
	}
	fmt.Fprintf(&b, "\nCommand:\n\n```\n%s\n```\n\n", cmd)
	return b.String()
}

// relationSizes lists the tables of schemas by their size at the largest
// log size, each with its size at every size.
func relationSizes(points []growthPoint, schemas []string) string {
	last := points[len(points)-1].Relations
	var names []string
	for name := range last {
		// A projection's tables live in its generation's schema, name__gN.
		if slices.ContainsFunc(schemas, func(s string) bool { return strings.HasPrefix(name, s+".") || strings.HasPrefix(name, s+"__g") }) && last[name] >= 64<<10 {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(last[b], last[a]) })
	if len(names) > 4 {
		names = names[:4]
	}
	var parts []string
	for _, name := range names {
		sizes := each(points, func(p growthPoint) string { return fmt.Sprintf("%.1f", mib(p.Relations[name])) })
		parts = append(parts, fmt.Sprintf("`%s` %s MiB", name, strings.Join(sizes, " → ")))
	}
	return strings.Join(parts, "; ")
}

// planLine is the summed-up plan of probe at each size; empty without one.
func planLine(points []growthPoint, probe string) string {
	if probe == "" {
		return ""
	}
	plans := each(points, func(p growthPoint) string { return fmt.Sprintf("at %s events %s", count(p.Size), p.Plans[probe]) })
	return fmt.Sprintf(". Plan of `%s`: %s", probe, strings.Join(plans, "; "))
}

// scanRows finds a plan node's name and actual rows.
var scanRows = regexp.MustCompile(`(?:->\s*)?([A-Za-z ]*Scan[^(]*?)\s+\(cost=.*actual time=\S+ rows=(\d+)`)

// explain runs EXPLAIN (ANALYZE, BUFFERS) of query and sums it up: its
// first scan with the rows it read, its first buffers line and its
// execution time.
func explain(ctx context.Context, conn *pgx.Conn, query string) (string, error) {
	rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	var scan, buffers, took string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch m := scanRows.FindStringSubmatch(l); {
		case m != nil && scan == "":
			n, _ := strconv.ParseInt(m[2], 10, 64)
			scan = fmt.Sprintf("%s: %s rows", m[1], count(n))
		case strings.HasPrefix(l, "Buffers:") && buffers == "":
			buffers = strings.TrimPrefix(l, "Buffers: ")
		case strings.HasPrefix(l, "Execution Time:"):
			took = strings.TrimPrefix(l, "Execution Time: ")
		}
	}
	return fmt.Sprintf("%s, buffers %s, %s", scan, buffers, took), nil
}

// count writes n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func firstOf(msg string) string {
	if msg == "" {
		return ""
	}
	return " (first: " + msg + ")"
}
