package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

type benchOptions struct {
	Short                                   bool
	Server, Out, AdminURL, Pgbench, Profile string
	Peer                                    string
	Runs                                    int
	Keep                                    bool
	Events                                  int64
	CmdDur                                  time.Duration
	// UsesOnly runs only figure 2 (the card uses beside the CRUD peer) and
	// its profile, and prints the figures without writing the report: the
	// quick loop for working on issue 19's first target.
	UsesOnly bool
	// StoreOnly runs only figure 1b beside pgbench's single-row reference
	// and prints them: the quick loop for issue 19's second target.
	StoreOnly bool
	// RebuildOnly runs only figure 5 beside pgbench's 100-row reference and
	// prints them: the quick loop for issue 19's third target.
	RebuildOnly bool
	// Mixed runs only figure 10 (every endpoint in a mixed workload) on a
	// log filled to Events; its report goes to Out like bench's.
	Mixed bool
	Mix   mixOptions
	// Growth runs only figure 11 (cost as the log grows) at each log size
	// of GrowthSizes (default growthSizes), with its own report.
	Growth      bool
	GrowthSizes []int64
}

// Roamio's share of the fixture: public trips in the list (6) and the
// top-level comments (each with a reply) of the thread (6).
const (
	benchTrips  = 200
	benchThread = 50
)

// Ralendar's share (6): the calendar user's own events over a year, and
// the public calendars (each with its events over the year) they
// subscribe to besides china-holidays.
type calendarSizes struct{ Own, Calendars, PerCalendar int }

// sizes of one bench run.
type sizes struct {
	PgbenchSecs int
	CmdDur      time.Duration
	ContClients int
	ContCards   int64
	LogEvents   int64
	QueryDur    time.Duration
	ProfileSecs int
	RebuildMax  time.Duration
	Calendar    calendarSizes
	// ForumPosts are the travel app's forum posts (6).
	ForumPosts int
	// ScaleRuns is how many times (9) runs each process count (0: -runs);
	// one in the short run, whose three take a minute.
	ScaleRuns int
	// TravelRuns is how many times (8) renders its album and long image
	// (0: -runs); one in the short run, whose three take 12 s.
	TravelRuns int
	// Settle is how long the idle server is left alone before its memory
	// is read, after the set-up and after (6).
	Settle time.Duration
	// PeerVariants are the CRUD peer's variants run before and after (2)
	// (nil: every one); the short run keeps only target 1's reference.
	PeerVariants []string
}

// travelRuns is how many times (8) renders.
func (sz sizes) travelRuns(runs int) int {
	if sz.TravelRuns > 0 {
		return sz.TravelRuns
	}
	return runs
}

// peerVariants are the CRUD peer's variants the run measures.
func (sz sizes) peerVariants() []string {
	if sz.PeerVariants != nil {
		return sz.PeerVariants
	}
	return peerVariants()
}

// scaleRuns is how many times (9) runs each process count.
func (sz sizes) scaleRuns(runs int) int {
	if sz.ScaleRuns > 0 {
		return sz.ScaleRuns
	}
	return runs
}

// usesPerSec bounds the card uses per second the server gets through, for
// the cards a run needs: 5,300 were measured on 2026-12-05, so 8,000 leaves
// room for a faster machine (cards cost nothing until used).
const usesPerSec = 8000

func sizesFor(short bool) sizes {
	if short {
		return sizes{PgbenchSecs: 2, CmdDur: 5 * time.Second, ContClients: 100, ContCards: 50, LogEvents: 20_000,
			QueryDur: 3 * time.Second, ProfileSecs: 4, RebuildMax: 3 * time.Minute, Calendar: calendarSizes{60, 2, 60}, ForumPosts: 30,
			ScaleRuns: 1, TravelRuns: 1, PeerVariants: []string{"cte"}, Settle: 2 * time.Second}
	}
	return sizes{PgbenchSecs: 10, CmdDur: 30 * time.Second, ContClients: 200, ContCards: 1000, LogEvents: 1_000_000,
		QueryDur: 15 * time.Second, ProfileSecs: 20, RebuildMax: 15 * time.Minute, Calendar: calendarSizes{365, 3, 365}, ForumPosts: 200,
		Settle: 5 * time.Second}
}

// results of every run of every figure.
type results struct {
	Single, Hundred []float64 // tps
	// SingleCPU, HundredCPU: CPU time of PostgreSQL and pgbench (in
	// LoadGen) during each reference run.
	SingleCPU, HundredCPU []cpuTime
	// StoreAppends: appends/s of the event store alone (1b).
	StoreAppends []float64
	// Travel: the render times of (8); TravelNote why there are none.
	Travel     []travelRun
	TravelNote string
	Use        []useRun
	// Peer: the CRUD peer's card uses (issue 19), each variant once
	// before the runs of (2) and once after.
	Peer []peerRun
	Cont []contentionRun
	// Scale: the card uses of (2) over 1, 2 and 3 server processes (9).
	Scale       []scaleRun
	FillEvents  int64
	FillElapsed time.Duration
	LogEvents   int64
	Rebuild     []rebuildRun
	Query       []queryRun
	// Mix: the mixed workload of (10) over every endpoint, one run; MixNote
	// why there is none.
	Mix            *mixResult
	MixNote        string
	IdleRSS        int64
	IdleAfter      int64
	HWM            int64
	PgbenchCmds    []string
	Profile        string
	RebuildProfile string
	ProfilePath    string
	LoadStart      string
	LoadEnd        string
	Start          time.Time
	Total          time.Duration
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func bench(ctx context.Context, o benchOptions) (err error) {
	sz := sizesFor(o.Short)
	if o.Events > 0 {
		sz.LogEvents = o.Events
	}
	if o.CmdDur > 0 {
		sz.CmdDur = o.CmdDur
	}
	res := &results{Start: time.Now(), LoadStart: loadAvg()}
	if o.Runs < 1 {
		o.Runs = 1
	}
	dir, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	dbname := fmt.Sprintf("bench_%d_%d", time.Now().Unix(), os.Getpid())
	dsn, err := createDatabase(ctx, o.AdminURL, dbname)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	logf("database %s", dbname)
	if !o.Keep {
		defer func() {
			if derr := dropDatabase(o.AdminURL, dbname); derr != nil {
				logf("drop database %s: %v", dbname, derr)
			}
		}()
	}

	if o.UsesOnly {
		return usesOnly(ctx, o, sz, dsn, dir)
	}
	if o.StoreOnly {
		return storeOnly(ctx, o, sz, dsn, dir)
	}
	if o.RebuildOnly {
		return rebuildOnly(ctx, o, sz, dsn, dir)
	}
	if o.Mixed {
		return mixedOnly(ctx, o, sz, dsn, dir)
	}
	if o.Growth {
		return growthOnly(ctx, o, dsn, dir)
	}
	// 1. References, before the server starts (nothing else on the database).
	pgVersion, single, hundred, err := setUpReferences(ctx, dsn, dir)
	if err != nil {
		return err
	}
	for r := range o.Runs {
		cpu0, cpuErr := readCPU(0)
		tps, cmd1, err := pgbenchTPS(ctx, o.Pgbench, dsn, single, sz.PgbenchSecs)
		if err != nil {
			return err
		}
		cpu1, cpuErr1 := readCPU(0)
		tps100, cmd100, err := pgbenchTPS(ctx, o.Pgbench, dsn, hundred, sz.PgbenchSecs)
		if err != nil {
			return err
		}
		if cpu2, err := readCPU(0); err == nil && cpuErr == nil && cpuErr1 == nil {
			res.SingleCPU = append(res.SingleCPU, cpu1.sub(cpu0))
			res.HundredCPU = append(res.HundredCPU, cpu2.sub(cpu1))
		}
		res.Single, res.Hundred = append(res.Single, tps), append(res.Hundred, tps100)
		res.PgbenchCmds = []string{cmd1, cmd100}
		logf("1. run %d: single-row %.0f tx/s, 100-row %.0f tx/s = %.0f rows/s", r+1, tps, tps100, tps100*100)
	}
	// The references leave gigabytes of rows behind (the 100-row runs), dirty
	// in shared buffers and in the WAL: drop them and checkpoint, so that the
	// server's figures do not pay for writing them out.
	if err := cleanReferences(ctx, dsn); err != nil {
		return err
	}
	// 1b. The event store's write path alone, at the concurrency of (2), on
	// the same database, before the server starts (the log is emptied after).
	for r := range o.Runs {
		aps, err := storeAppends(ctx, dsn, 32, time.Duration(sz.PgbenchSecs)*time.Second)
		if err != nil {
			return fmt.Errorf("store appends: %w", err)
		}
		res.StoreAppends = append(res.StoreAppends, aps)
		logf("1b. run %d: pgstore alone %.0f appends/s", r+1, aps)
	}

	// The server.
	s, err := startServer(ctx, o.Server, dsn, dir)
	if err != nil {
		return err
	}
	defer s.stop()
	c := newClient(s.base)
	f, err := setupFixture(ctx, c)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	// Cards: the contention batches, then big batches for the uses (2, 4, 6,
	// profile) and the log (5). Cards cost nothing until used.
	cont, err := f.makeBatches(ctx, o.Runs, sz.ContCards)
	if err != nil {
		return fmt.Errorf("contention batches: %w", err)
	}
	// Cards for the uses of (2), (6) and the profile at up to usesPerSec, and
	// for the scale-out runs of (9): 1, 2 and 3 processes for the duration
	// of (2) each, at most usesPerSec together. The short run of 2026-12-05
	// 00:37 ran out in (9) before (9) was counted here.
	useCards := int64(o.Runs)*int64(sz.CmdDur.Seconds()+sz.QueryDur.Seconds())*usesPerSec + int64(sz.ProfileSecs+2)*usesPerSec +
		int64(sz.scaleRuns(o.Runs))*3*int64(sz.CmdDur.Seconds())*usesPerSec
	nBig := int((sz.LogEvents + useCards + cardsPerBig - 1) / cardsPerBig)
	big, err := f.makeBatches(ctx, nBig, cardsPerBig)
	if err != nil {
		return fmt.Errorf("batches: %w", err)
	}
	pool := newCardPool(f.signer, big)
	if err := f.makeTravel(ctx, benchTrips, benchThread); err != nil {
		return fmt.Errorf("trips and comments: %w", err)
	}
	if err := f.makeCalendar(ctx, sz.Calendar.Own, sz.Calendar.Calendars, sz.Calendar.PerCalendar); err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	// 8. The travel app's jobs, rendered before any load (ffmpeg takes
	// both cores); the shared results fill the public lists of (6).
	if res.Travel, res.TravelNote, err = f.benchTravel(ctx, sz.travelRuns(o.Runs), sz.ForumPosts); err != nil {
		return fmt.Errorf("travel: %w", err)
	}
	if err := f.waitCaughtUp(ctx, time.Minute); err != nil {
		return err
	}
	logf("set-up: %d batches, %d cards", nBig+o.Runs, pool.total+int64(o.Runs)*sz.ContCards)
	time.Sleep(sz.Settle)
	res.IdleRSS, _, _ = procMem(s.pid())

	// 2 and 4, with the CRUD peer before and after.
	peer := func(when string) error {
		runs, err := peerRuns(ctx, o, sz, dsn, dir, when)
		res.Peer = append(res.Peer, runs...)
		return err
	}
	if err := peer("before"); err != nil {
		return err
	}
	for r := range o.Runs {
		if err := f.refresh(ctx, false); err != nil {
			return err
		}
		u, err := useLoad(ctx, f, pool, 32, sz.CmdDur, s.pid())
		if err != nil {
			return err
		}
		res.Use = append(res.Use, u)
		logf("2. run %d: %d uses (%d failed: %s) in %s = %.0f/s, p50 %.1f ms, p99 %.1f ms (decide+append p50 %.2f p99 %.2f ms); 4. ryw p50 %.2f p99 %.2f ms; rss peak %.0f MiB",
			r+1, u.OK, u.Failed, u.FirstErr, u.Elapsed.Round(time.Millisecond), u.rps(), percentile(u.Lat, 50), percentile(u.Lat, 99),
			percentile(u.Cmd, 50), percentile(u.Cmd, 99), percentile(u.RYW, 50), percentile(u.RYW, 99), mib(u.PeakRSS))
	}
	if err := peer("after"); err != nil {
		return err
	}
	if err := f.refresh(ctx, false); err != nil {
		return err
	}
	res.Profile, res.ProfilePath, err = cpuProfile(ctx, s, f, pool, sz.ProfileSecs, o.Server, o.Profile)
	if err != nil {
		logf("profile: %v", err)
	} else {
		logf("profile: %s", res.ProfilePath)
	}

	// 3.
	for r := range o.Runs {
		// A contention run can outlast half an access token's life.
		if err := f.refresh(ctx, true); err != nil {
			return err
		}
		cr := contention(ctx, f, cont[r], sz.ContClients)
		res.Cont = append(res.Cont, cr)
		logf("3. run %d: %d successes, %d already used, %d other (%s) in %s", r+1, cr.Successes, cr.AlreadyUsed, cr.Other, cr.FirstErr, cr.Elapsed.Round(time.Millisecond))
		if cr.Successes != sz.ContCards || cr.Other != 0 {
			return fmt.Errorf("contention run %d: %d successes for %d cards, %d unexpected answers (%s)", r+1, cr.Successes, sz.ContCards, cr.Other, cr.FirstErr)
		}
	}

	// 9. Scale-out (issue 19, target 7): the uses of (2) over 1, 2 and 3 processes.
	for r := range sz.scaleRuns(o.Runs) {
		for procs := 1; procs <= 3; procs++ {
			if err := f.refresh(ctx, false); err != nil {
				return err
			}
			sr, err := scaleOut(ctx, o.Server, dsn, dir, s, f, pool, procs, sz.CmdDur)
			if err != nil {
				return fmt.Errorf("scale-out over %d processes: %w", procs, err)
			}
			res.Scale = append(res.Scale, sr)
			logf("9. run %d, %d processes: %.0f uses/s (%d failed: %s), p50 %.1f ms, p99 %.1f ms; ryw p99 %.2f ms; %d connections at most; CPU per use %s; PostgreSQL per use: %s",
				r+1, procs, sr.Use.rps(), sr.Use.Failed, sr.Use.FirstErr, percentile(sr.Use.Lat, 50), percentile(sr.Use.Lat, 99), percentile(sr.Use.RYW, 99), sr.Conns, sr.Use.CPU.perUnit(float64(sr.Use.OK)),
				sr.DB.per(float64(sr.Use.OK)))
		}
	}

	// 5.
	res.FillEvents, res.FillElapsed, err = fillLog(ctx, dsn, pool, sz.LogEvents)
	if err != nil {
		return fmt.Errorf("fill the log: %w", err)
	}
	logf("log: appended %d events in %s", res.FillEvents, res.FillElapsed.Round(time.Millisecond))
	if err := f.refresh(ctx, true); err != nil {
		return err
	}
	if err := f.waitCaughtUp(ctx, sz.RebuildMax); err != nil {
		return err
	}
	res.LogEvents = analyzeLog(ctx, dsn)
	for r := range o.Runs {
		// Profile the first rebuild from its start.
		rb, prof, err := profiledRebuild(ctx, s, f, sz, o.Server, "", r == 0)
		if err != nil {
			return err
		}
		if r == 0 {
			res.RebuildProfile = prof
		}
		res.Rebuild = append(res.Rebuild, rb)
		logf("5. run %d: %d events in %s = %.0f events/s, peak RSS %.0f MiB", r+1, res.LogEvents, rb.Elapsed.Round(time.Millisecond),
			float64(res.LogEvents)/rb.Elapsed.Seconds(), mib(rb.PeakRSS))
	}

	// 6.
	for r := range o.Runs {
		if err := f.refresh(ctx, false); err != nil {
			return err
		}
		q, err := queriesUnderLoad(ctx, f, pool, big[:max(1, len(big)/2)], sz.QueryDur, s.pid())
		if err != nil {
			return err
		}
		res.Query = append(res.Query, q)
		logf("6. run %d: cards p50 %.1f p99 %.1f ms (%d), statistics p50 %.1f p99 %.1f ms (%d), trips p50 %.1f p99 %.1f ms (%d), thread p50 %.1f p99 %.1f ms (%d), month p50 %.1f p99 %.1f ms (%d), travel lists p50 %.1f p99 %.1f ms (%d), %d failed (%s); uses %.0f/s",
			r+1, percentile(q.Cards, 50), percentile(q.Cards, 99), len(q.Cards), percentile(q.Stats, 50), percentile(q.Stats, 99), len(q.Stats),
			percentile(q.Trips, 50), percentile(q.Trips, 99), len(q.Trips), percentile(q.Thread, 50), percentile(q.Thread, 99), len(q.Thread),
			percentile(q.Month, 50), percentile(q.Month, 99), len(q.Month),
			percentile(q.Travel, 50), percentile(q.Travel, 99), len(q.Travel), q.Failed, q.FirstErr, q.Use.rps())
	}
	time.Sleep(sz.Settle)
	res.IdleAfter, res.HWM, _ = procMem(s.pid())

	// 10. Every endpoint in a mixed workload, on the same log, with a server
	// of its own (the APIs' stand-ins in its environment).
	s.stop()
	mo := o.Mix
	if mo.PGLog == "" {
		mo.PGLog = pgLogPath(ctx, dsn)
	}
	if mix, err := mixPhase(ctx, o.Server, dsn, dir, o.Short, mo); err != nil {
		res.MixNote = err.Error()
		logf("10. %v", err)
	} else {
		res.Mix = &mix
		logf("10. %d calls in %s, p99 %.1f ms", mix.Reads+mix.Writes, mix.Elapsed.Round(time.Second), percentile(mix.All, 99))
	}
	res.LoadEnd = loadAvg()
	res.Total = time.Since(res.Start)

	var ch charts
	if o.Out != "" {
		if ch, err = drawCharts(o.Out, res); err != nil {
			return err
		}
	}
	report := render(o, sz, res, pgVersion, ch)
	fmt.Println(report)
	if res.Mix != nil && ch.Mixed == "" {
		fmt.Println(mixTable(*res.Mix, res.LogEvents))
	}
	if o.Out != "" {
		if err := prepend(o.Out, report); err != nil {
			return err
		}
		logf("wrote %s", o.Out)
	}
	return nil
}

// peerRuns runs each variant of the CRUD peer once, as figure 2's
// reference (when: "before" or "after" our runs), and logs each.
func peerRuns(ctx context.Context, o benchOptions, sz sizes, dsn, dir, when string) ([]peerRun, error) {
	if o.Peer == "" {
		return nil, nil
	}
	var runs []peerRun
	for _, v := range sz.peerVariants() {
		u, err := peerUses(ctx, o.Peer, dsn, dir, v, 32, sz.CmdDur)
		if err != nil {
			return runs, fmt.Errorf("crudpeer %s: %w", v, err)
		}
		runs = append(runs, peerRun{Variant: v, Use: u})
		logf("2. crudpeer %s %s: %d uses (%d failed: %s) = %.0f/s, p50 %.1f ms, p99 %.1f ms, CPU per use %.0f µs (%s)", v, when, u.OK, u.Failed, u.FirstErr, u.rps(),
			percentile(u.Lat, 50), percentile(u.Lat, 99), u.CPU.totalPer(float64(u.OK)), u.CPU.perUnit(float64(u.OK)))
	}
	return runs, nil
}

// usesOnly is -uses: figure 2 alone, with the CRUD peer before and after
// and the server's profile, printed as log lines.
func usesOnly(ctx context.Context, o benchOptions, sz sizes, dsn, dir string) error {
	s, err := startServer(ctx, o.Server, dsn, dir)
	if err != nil {
		return err
	}
	defer s.stop()
	f, err := setupFixture(ctx, newClient(s.base))
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	useCards := int64(o.Runs+1)*int64(sz.CmdDur.Seconds())*usesPerSec + int64(sz.ProfileSecs+2)*usesPerSec
	big, err := f.makeBatches(ctx, int((useCards+cardsPerBig-1)/cardsPerBig), cardsPerBig)
	if err != nil {
		return fmt.Errorf("batches: %w", err)
	}
	pool := newCardPool(f.signer, big)
	if err := f.waitCaughtUp(ctx, time.Minute); err != nil {
		return err
	}
	peer := func(when string) ([]float64, error) {
		runs, err := peerRuns(ctx, o, sz, dsn, dir, when)
		return each(runs, func(r peerRun) float64 { return r.Use.rps() }), err
	}
	before, err := peer("before")
	if err != nil {
		return err
	}
	var ours []float64
	for r := range o.Runs {
		if err := f.refresh(ctx, false); err != nil {
			return err
		}
		db0, _ := dbStats(ctx, dsn)
		u, err := useLoad(ctx, f, pool, 32, sz.CmdDur, s.pid())
		if err != nil {
			return err
		}
		if db1, err := dbStats(ctx, dsn); err == nil {
			logf("2. run %d, PostgreSQL per use: %s", r+1, db1.sub(db0).per(float64(u.OK)))
		}
		ours = append(ours, u.rps())
		logf("2. run %d: %.0f/s (%d failed: %s), p50 %.1f ms, p99 %.1f ms (decide+append p50 %.2f p99 %.2f ms); 4. ryw p50 %.2f p99 %.2f ms; CPU per use %.0f µs (%s)",
			r+1, u.rps(), u.Failed, u.FirstErr, percentile(u.Lat, 50), percentile(u.Lat, 99),
			percentile(u.Cmd, 50), percentile(u.Cmd, 99), percentile(u.RYW, 50), percentile(u.RYW, 99),
			u.CPU.totalPer(float64(u.OK)), u.CPU.perUnit(float64(u.OK)))
	}
	after, err := peer("after")
	if err != nil {
		return err
	}
	if len(before) == 2 && len(after) == 2 {
		logf("ours %.0f/s: %.2f× tx peer, %.2f× cte peer", med(ours), med(ours)/((before[0]+after[0])/2), med(ours)/((before[1]+after[1])/2))
	}
	if err := f.refresh(ctx, false); err != nil {
		return err
	}
	prof, path, err := cpuProfile(ctx, s, f, pool, max(sz.ProfileSecs, 15), o.Server, o.Profile)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	fmt.Println(prof)
	logf("profile: %s", path)
	return nil
}

// pgCounters are a database's counters from pg_stat_database.
type pgCounters struct{ Commits, Inserted, Updated, Deleted, Fetched, Returned, BlocksHit, BlocksRead float64 }

func dbStats(ctx context.Context, dsn string) (pgCounters, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return pgCounters{}, err
	}
	defer conn.Close(ctx)
	var c pgCounters
	err = conn.QueryRow(ctx, `SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched, tup_returned, blks_hit, blks_read
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&c.Commits, &c.Inserted, &c.Updated, &c.Deleted, &c.Fetched, &c.Returned, &c.BlocksHit, &c.BlocksRead)
	return c, err
}

func (c pgCounters) sub(d pgCounters) pgCounters {
	return pgCounters{c.Commits - d.Commits, c.Inserted - d.Inserted, c.Updated - d.Updated, c.Deleted - d.Deleted,
		c.Fetched - d.Fetched, c.Returned - d.Returned, c.BlocksHit - d.BlocksHit, c.BlocksRead - d.BlocksRead}
}

func (c pgCounters) per(n float64) string {
	n = max(n, 1)
	return fmt.Sprintf("%.2f commits, %.2f rows inserted, %.2f updated, %.2f deleted, %.1f fetched, %.1f returned, %.1f buffers hit, %.2f read",
		c.Commits/n, c.Inserted/n, c.Updated/n, c.Deleted/n, c.Fetched/n, c.Returned/n, c.BlocksHit/n, c.BlocksRead/n)
}

// ---- the report ----

func med(xs []float64) float64 { return median(xs) }

func each[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func runsOf(xs []float64, format string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, " / ")
}

// cpuPer returns the CPU time per unit of the run whose total per unit is
// nearest the median, broken down by process, and every run's total per unit.
func cpuPer(cpus []cpuTime, units []float64) (medianRun, runs string) {
	totals := make([]float64, len(cpus))
	for i, c := range cpus {
		totals[i] = c.totalPer(units[i])
	}
	if len(totals) == 0 {
		return "?", ""
	}
	// The run nearest the median (with an even count the median is
	// between two runs).
	m, best := med(totals), 0
	for i, t := range totals {
		if math.Abs(t-m) < math.Abs(totals[best]-m) {
			best = i
		}
	}
	return fmt.Sprintf("%.1f µs (%s)", totals[best], cpus[best].perUnit(units[best])), runsOf(totals, "%.1f")
}

// peerOf is the CRUD peer's runs of the variant.
func peerOf(res *results, variant string) []useRun {
	var out []useRun
	for _, p := range res.Peer {
		if p.Variant == variant {
			out = append(out, p.Use)
		}
	}
	return out
}

// peerDesc says how the peer variant writes a use.
func peerDesc(variant string) string {
	if variant == "cte" {
		return "UPDATE … RETURNING and INSERT usage in one statement, a data-modifying CTE"
	}
	return "BEGIN; UPDATE cards … RETURNING; INSERT usage; COMMIT"
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

// runHeader is a report's heading and the line on the machine and the run,
// without its end of line.
func runHeader(res *results, mode, pgVersion string) string {
	return fmt.Sprintf("## %s — `%s`\n\n%s", res.Start.UTC().Format("2006-01-02 15:04 MST"), mode,
		machineLine(pgVersion, res.LoadStart, res.LoadEnd, res.Total))
}

// render writes the run's report in Markdown, with its charts (ch, paths
// relative to the report; none when empty).
func render(o benchOptions, sz sizes, res *results, pgVersion string, ch charts) string {
	var b strings.Builder
	mode := "make bench"
	if o.Short {
		mode = "make bench-short"
	}
	if o.Events > 0 || o.CmdDur > 0 || o.Runs != 3 {
		mode = "loadgen bench with overrides (see Commands)"
	}
	b.WriteString(runHeader(res, mode, pgVersion))
	fmt.Fprintf(&b, " Medians of %d runs (each run's value in the last column).\n\n", o.Runs)

	single := med(res.Single)
	rows100 := med(each(res.Hundred, func(t float64) float64 { return t * 100 }))
	rps := med(each(res.Use, useRun.rps))
	p50 := med(each(res.Use, func(u useRun) float64 { return percentile(u.Lat, 50) }))
	p99 := med(each(res.Use, func(u useRun) float64 { return percentile(u.Lat, 99) }))
	ryw50 := med(each(res.Use, func(u useRun) float64 { return percentile(u.RYW, 50) }))
	ryw99 := med(each(res.Use, func(u useRun) float64 { return percentile(u.RYW, 99) }))
	contRPS := each(res.Cont, func(c contentionRun) float64 {
		return float64(c.Successes+c.AlreadyUsed+c.Other) / c.Elapsed.Seconds()
	})
	evps := each(res.Rebuild, func(r rebuildRun) float64 { return float64(res.LogEvents) / r.Elapsed.Seconds() })
	rbRSS := each(res.Rebuild, func(r rebuildRun) float64 { return mib(r.PeakRSS) })
	loadRSS := each(res.Use, func(u useRun) float64 { return mib(u.PeakRSS) })
	q := func(sel func(queryRun) []float64, p float64) []float64 {
		return each(res.Query, func(r queryRun) float64 { return percentile(sel(r), p) })
	}
	cardsQ := func(r queryRun) []float64 { return r.Cards }
	statsQ := func(r queryRun) []float64 { return r.Stats }
	tripsQ := func(r queryRun) []float64 { return r.Trips }
	threadQ := func(r queryRun) []float64 { return r.Thread }
	monthQ := func(r queryRun) []float64 { return r.Month }
	travelQ := func(r queryRun) []float64 { return r.Travel }
	ratio := rps / single
	cat := rebuildRatio(evps, rows100)

	b.WriteString("| # | figure | median | target | runs |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| 1 | pgbench single-row insert transactions, 32 clients | %.0f tx/s | reference | %s |\n", single, runsOf(res.Single, "%.0f"))
	fmt.Fprintf(&b, "| 1 | pgbench 100-row insert transactions, 32 clients | %.0f rows/s | reference | %s |\n", rows100, runsOf(each(res.Hundred, func(t float64) float64 { return t * 100 }), "%.0f"))
	if len(res.SingleCPU) == len(res.Single) && len(res.HundredCPU) == len(res.Hundred) {
		secs := float64(sz.PgbenchSecs)
		perTx, perTxRuns := cpuPer(res.SingleCPU, each(res.Single, func(tps float64) float64 { return tps * secs }))
		perRow, perRowRuns := cpuPer(res.HundredCPU, each(res.Hundred, func(tps float64) float64 { return tps * 100 * secs }))
		fmt.Fprintf(&b, "| 1 | … CPU time per single-row transaction (pgbench counted as the load generator) | %s | | %s |\n", perTx, perTxRuns)
		fmt.Fprintf(&b, "| 1 | … CPU time per row of the 100-row transactions | %s | | %s |\n", perRow, perRowRuns)
	}
	fmt.Fprintf(&b, "| 1b | event store alone: `CardUsed` appends to new streams through pgstore (group commit), 32 goroutines | %.0f appends/s = %.2f× single-row | | %s |\n",
		med(res.StoreAppends), med(res.StoreAppends)/single, runsOf(res.StoreAppends, "%.0f"))
	fmt.Fprintf(&b, "| 2 | card use, distinct cards, 32 clients, %s | %.0f req/s | | %s |\n", sz.CmdDur, rps, runsOf(each(res.Use, useRun.rps), "%.0f"))
	fmt.Fprintf(&b, "| 2 | … ratio to single-row reference | %.2f× | ≥ 1.0×: %s | |\n", ratio, verdict(ratio >= 1))
	fmt.Fprintf(&b, "| 2 | … latency p50 | %.1f ms | | %s |\n", p50, runsOf(each(res.Use, func(u useRun) float64 { return percentile(u.Lat, 50) }), "%.1f"))
	fmt.Fprintf(&b, "| 2 | … latency p99 | %.1f ms | < 25 ms: %s | %s |\n", p99, verdict(p99 < 25), runsOf(each(res.Use, func(u useRun) float64 { return percentile(u.Lat, 99) }), "%.1f"))
	cmd50 := each(res.Use, func(u useRun) float64 { return percentile(u.Cmd, 50) })
	cmd99 := each(res.Use, func(u useRun) float64 { return percentile(u.Cmd, 99) })
	fmt.Fprintf(&b, "| 2 | … of which deciding and appending (server), p50 / p99 | %.2f / %.2f ms | | p50 %s |\n", med(cmd50), med(cmd99), runsOf(cmd50, "%.2f"))
	useCPU, useCPURuns := cpuPer(each(res.Use, func(u useRun) cpuTime { return u.CPU }), each(res.Use, func(u useRun) float64 { return float64(u.OK) }))
	fmt.Fprintf(&b, "| 2 | … CPU time per use | %s | | %s |\n", useCPU, useCPURuns)
	for _, v := range peerVariants() {
		pu := peerOf(res, v)
		if len(pu) == 0 {
			continue
		}
		prps := med(each(pu, useRun.rps))
		pp99 := med(each(pu, func(u useRun) float64 { return percentile(u.Lat, 99) }))
		fmt.Fprintf(&b, "| 2 | CRUD peer `crudpeer -variant %s` (%s), 32 clients, %s, before / after our server | %.0f req/s | reference | %s |\n",
			v, peerDesc(v), sz.CmdDur, prps, runsOf(each(pu, useRun.rps), "%.0f"))
		fmt.Fprintf(&b, "| 2 | … latency p99 (ours beside it) | %.1f ms (ours %.1f ms) | | %s |\n", pp99, p99, runsOf(each(pu, func(u useRun) float64 { return percentile(u.Lat, 99) }), "%.1f"))
		pcpu, pcpuRuns := cpuPer(each(pu, func(u useRun) cpuTime { return u.CPU }), each(pu, func(u useRun) float64 { return float64(u.OK) }))
		fmt.Fprintf(&b, "| 2 | … CPU time per use (peer as the server) | %s | | %s |\n", pcpu, pcpuRuns)
		fmt.Fprintf(&b, "| 2 | … our card use / this peer | %.2f× throughput, p99 %.1f / %.1f ms | | |\n", rps/prps, p99, pp99)
	}
	exact := true
	for _, c := range res.Cont {
		exact = exact && c.Successes == sz.ContCards && c.Other == 0
	}
	fmt.Fprintf(&b, "| 3 | contention: %d clients, same %d cards: successes | %d of %d, every run | exact: %s | %s |\n", sz.ContClients, sz.ContCards,
		sz.ContCards, sz.ContCards, verdict(exact), runsOf(each(res.Cont, func(c contentionRun) float64 { return float64(c.Successes) }), "%.0f"))
	fmt.Fprintf(&b, "| 3 | … throughput (all answers: 1 success + %d `CARD_ALREADY_USED` per card) | %.0f req/s | | %s |\n", sz.ContClients-1, med(contRPS), runsOf(contRPS, "%.0f"))
	fmt.Fprintf(&b, "| 4 | read-your-writes lag p50, under (2) | %.2f ms | | %s |\n", ryw50, runsOf(each(res.Use, func(u useRun) float64 { return percentile(u.RYW, 50) }), "%.2f"))
	fmt.Fprintf(&b, "| 4 | read-your-writes lag p99, under (2) | %.2f ms | < 20 ms: %s | %s |\n", ryw99, verdict(ryw99 < 20), runsOf(each(res.Use, func(u useRun) float64 { return percentile(u.RYW, 99) }), "%.2f"))
	fmt.Fprintf(&b, "| 5 | rebuild of the %d card read models from %d events | %.0f events/s | | %s |\n", len(cardProjections), res.LogEvents, med(evps), runsOf(evps, "%.0f"))
	rbCPU, rbCPURuns := cpuPer(each(res.Rebuild, func(r rebuildRun) cpuTime { return r.CPU }), each(res.Rebuild, func(rebuildRun) float64 { return float64(res.LogEvents) }))
	fmt.Fprintf(&b, "| 5 | … CPU time per event | %s | | %s |\n", rbCPU, rbCPURuns)
	fmt.Fprintf(&b, "| 5 | … ratio to 100-row reference | %.2f× | ≥ 0.5×: %s | |\n", cat, verdict(cat >= 0.5))
	fmt.Fprintf(&b, "| 5 | … server peak RSS during the rebuild | %.0f MiB | < 300 MiB: %s | %s |\n", med(rbRSS), verdict(med(rbRSS) < 300), runsOf(rbRSS, "%.0f"))
	fmt.Fprintf(&b, "| 6 | `GET /api/card/cards/?batch=…&page=…` under (2), %d cards | p50 %.1f ms, p99 %.1f ms | | p99 %s |\n", res.LogEvents, med(q(cardsQ, 50)), med(q(cardsQ, 99)), runsOf(q(cardsQ, 99), "%.1f"))
	fmt.Fprintf(&b, "| 6 | `GET /api/card/statistics/` under (2) | p50 %.1f ms, p99 %.1f ms | | p99 %s |\n", med(q(statsQ, 50)), med(q(statsQ, 99)), runsOf(q(statsQ, 99), "%.1f"))
	fmt.Fprintf(&b, "| 6 | `GET /api/v1/trips/?page=…` (Roamio's public list, %d trips) under (2), %d events | p50 %.1f ms, p99 %.1f ms | | p99 %s |\n", benchTrips, res.LogEvents, med(q(tripsQ, 50)), med(q(tripsQ, 99)), runsOf(q(tripsQ, 99), "%.1f"))
	fmt.Fprintf(&b, "| 6 | `GET /api/v1/trips/{slug}/comments/` (%d comments, %d replies nested) under (2) | p50 %.1f ms, p99 %.1f ms | | p99 %s |\n", benchThread, benchThread, med(q(threadQ, 50)), med(q(threadQ, 99)), runsOf(q(threadQ, 99), "%.1f"))
	cs := sz.Calendar
	fmt.Fprintf(&b, "| 6 | `GET /api/events/?start=…&end=…` (Ralendar: a month of a user with %d own events a year and %d subscribed public calendars of %d events a year, plus china-holidays) under (2) | p50 %.1f ms, p99 %.1f ms | | p99 %s |\n", cs.Own, cs.Calendars, cs.PerCalendar, med(q(monthQ, 50)), med(q(monthQ, 99)), runsOf(q(monthQ, 99), "%.1f"))
	fmt.Fprintf(&b, "| 6 | travel app's public lists (`/movie/all`, `/photo/all`, `/movie/tag/1`, `/forum/page/{n}` of %d posts), anonymous, under (2) | p50 %.1f ms, p99 %.1f ms | | p99 %s |\n", sz.ForumPosts, med(q(travelQ, 50)), med(q(travelQ, 99)), runsOf(q(travelQ, 99), "%.1f"))
	fmt.Fprintf(&b, "| 6 | … card uses meanwhile | %.0f req/s | | %s |\n", med(each(res.Query, func(r queryRun) float64 { return r.Use.rps() })), runsOf(each(res.Query, func(r queryRun) float64 { return r.Use.rps() }), "%.0f"))
	fmt.Fprintf(&b, "| 7 | server RSS idle, after set-up (logins: argon2id) / after the run | %.0f / %.0f MiB | | |\n", mib(res.IdleRSS), mib(res.IdleAfter))
	fmt.Fprintf(&b, "| 7 | server RSS under (2), peak | %.0f MiB | | %s |\n", med(loadRSS), runsOf(loadRSS, "%.0f"))
	fmt.Fprintf(&b, "| 7 | server VmHWM at the end of the run | %.0f MiB | | |\n", mib(res.HWM))
	if res.TravelNote != "" {
		fmt.Fprintf(&b, "| 8 | travel app: render a 10-image album and long image | not measured: %s | | |\n", res.TravelNote)
	} else {
		album := each(res.Travel, func(r travelRun) float64 { return r.Album.Seconds() })
		long := each(res.Travel, func(r travelRun) float64 { return r.LongImage.Seconds() })
		fmt.Fprintf(&b, "| 8 | travel app: render a 10-image album (MP4, 24 fps, 1280×960 JPEGs), from `start` to status 200, before the load | %.1f s | | %s |\n", med(album), runsOf(album, "%.1f"))
		fmt.Fprintf(&b, "| 8 | … and the long image of the same 10 photos | %.1f s | | %s |\n", med(long), runsOf(long, "%.1f"))
	}
	renderScale(&b, res, sz)
	// Issue 19's targets, each beside its reference of this run.
	if cte := peerOf(res, "cte"); len(cte) > 0 {
		prps := med(each(cte, useRun.rps))
		pp99 := med(each(cte, func(u useRun) float64 { return percentile(u.Lat, 99) }))
		fmt.Fprintf(&b, "| target 1 vs reference | card use / one-statement CRUD peer (32 clients) | %.2f×, p99 %.1f vs %.1f ms | ≥ 1.0× and p99 below the peer's: %s | |\n",
			rps/prps, p99, pp99, verdict(rps/prps >= 1 && p99 < pp99))
	} else {
		b.WriteString("| target 1 vs reference | card use / one-statement CRUD peer | not run (no `-peer`) | ≥ 1.0× and p99 below the peer's | |\n")
	}
	store := med(res.StoreAppends) / single
	fmt.Fprintf(&b, "| target 2 vs reference | event store alone / pgbench single-row transactions | %.2f× | ≥ 2.0×: %s | |\n", store, verdict(store >= 2))
	fmt.Fprintf(&b, "| target 3 vs reference | rebuild events/s / 100-row insert rows/s | %.2f× | ≥ 0.5×: %s | |\n", cat, verdict(cat >= 0.5))
	fmt.Fprintf(&b, "| target 4 vs reference | read-your-writes lag p99 under (2) | %.2f ms | < 10 ms: %s | |\n", ryw99, verdict(ryw99 < 10))
	if r := res.Mix; r != nil {
		met, measured := r.met()
		fmt.Fprintf(&b, "| target 5 vs reference | every endpoint, mixed workload on %d events (10): operations meeting the target, of those with ≥ %d calls; all calls' p99 | %d of %d; %.1f ms | p99 < %.0f ms and ≤ %.0f× p50, each: %s | |\n",
			res.LogEvents, mixMinSamples, met, measured, percentile(r.All, 99), mixP99Limit, mixSpreadMax, verdict(met == measured && len(r.Uncalled) == 0))
	} else {
		fmt.Fprintf(&b, "| target 5 vs reference | every endpoint, mixed workload (10) | not run: %s | | |\n", res.MixNote)
	}
	if two, three, ok := scaleRatios(res); ok {
		fmt.Fprintf(&b, "| target 7 vs reference | card uses over 2 / 3 server processes / over one (9) | %.2f× / %.2f× | measured, with the connections kept (9) | |\n", two, three)
	}

	if ch.Ratios != "" {
		fmt.Fprintf(&b, "\n![Ratios to the references of this run](%s)\n![Card use latency by percentile, each run a line](%s)\n", ch.Ratios, ch.Latency)
	}
	var failed int64
	for _, u := range res.Use {
		failed += u.Failed
	}
	fmt.Fprintf(&b, "\nFailed card uses in (2): %d. Log filled for (5) by appending %d `CardUsed` events through pgstore from the load generator in %s (%.0f events/s, %d goroutines).\n",
		failed, res.FillEvents, res.FillElapsed.Round(time.Millisecond), float64(res.FillEvents)/math.Max(res.FillElapsed.Seconds(), 1e-9), fillWorkers)
	if res.Mix != nil {
		table := "printed after this report"
		if ch.Mixed != "" {
			table = fmt.Sprintf("[%s](%s)", ch.Mixed, ch.Mixed)
		}
		renderMix(&b, *res.Mix, res.LogEvents, table)
	}
	b.WriteString("\nCommands:\n\n```\n")
	var extra string
	if o.Events > 0 {
		extra += fmt.Sprintf(" -events %d", o.Events)
	}
	if o.CmdDur > 0 {
		extra += fmt.Sprintf(" -duration %s", o.CmdDur)
	}
	if o.Runs != 3 {
		extra += fmt.Sprintf(" -runs %d", o.Runs)
	}
	switch {
	case extra != "" && o.Short:
		b.WriteString("go build -o bin/ ./cmd/server ./cmd/loadgen && bin/loadgen bench -short" + extra + "\n")
	case extra != "":
		b.WriteString("go build -o bin/ ./cmd/server ./cmd/loadgen && bin/loadgen bench" + extra + "\n")
	case o.Short:
		b.WriteString("make bench-short   # = go build -o bin/ ./cmd/server ./cmd/loadgen && bin/loadgen bench -short\n")
	default:
		b.WriteString("make bench         # = go build -o bin/ ./cmd/server ./cmd/loadgen && bin/loadgen bench\n")
	}
	for _, c := range res.PgbenchCmds {
		b.WriteString(c + "\n")
	}
	b.WriteString("```\n")
	if res.Profile != "" {
		fmt.Fprintf(&b, "\n<details><summary>Server CPU profile, %d s under the load of (2)</summary>\n\n```\n%s```\n</details>\n", sz.ProfileSecs, res.Profile)
	}
	if res.RebuildProfile != "" {
		fmt.Fprintf(&b, "\n<details><summary>Server CPU profile, first %d s of the first rebuild (5)</summary>\n\n```\n%s```\n</details>\n", sz.ProfileSecs, res.RebuildProfile)
	}
	b.WriteString("\n")
	return b.String()
}

// machineLine describes the machine and the run's load and length, as the
// reports begin.
func machineLine(pgVersion, loadStart, loadEnd string, total time.Duration) string {
	host, _ := os.Hostname()
	goVersion := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		goVersion = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("Machine: %s, %d cores, %s memory; PostgreSQL %s on 127.0.0.1:5432; %s. "+
		"Load average (1/5/15 min) %s at the start, %s at the end. Whole run %s.",
		host, runtime.NumCPU(), memTotal(), pgVersion, goVersion, loadStart, loadEnd, total.Round(time.Second))
}

func rebuildRatio(evps []float64, rows100 float64) float64 {
	if rows100 == 0 {
		return 0
	}
	return median(evps) / rows100
}

const runsMarker = "<!-- bench runs: newest first; make bench / make bench-short insert below -->"

// prepend inserts the report under the runs marker, keeping older runs.
func prepend(path, report string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s := string(old)
	if i := strings.Index(s, runsMarker); i >= 0 {
		j := i + len(runsMarker)
		s = s[:j] + "\n\n" + report + strings.TrimLeft(s[j:], "\n")
	} else {
		s = "# Benchmarks\n\n" + runsMarker + "\n\n" + report + s
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

// cleanReferences drops the reference table and checkpoints.
func cleanReferences(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS bench_ref"); err != nil {
		return fmt.Errorf("drop the reference table: %w", err)
	}
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		logf("CHECKPOINT after the references: %v (not a superuser?)", err)
	}
	return nil
}

// setUpReferences creates the references' table on the bench database and
// writes pgbench's two scripts into dir; it returns PostgreSQL's version and
// the scripts' paths.
func setUpReferences(ctx context.Context, dsn, dir string) (pgVersion, single, hundred string, err error) {
	if pgVersion, err = createReferenceTable(ctx, dsn); err != nil {
		return "", "", "", err
	}
	single, hundred, err = writeScripts(dir)
	return pgVersion, single, hundred, err
}

// createReferenceTable creates the references' table (cleanReferences
// drops it) and returns PostgreSQL's version.
func createReferenceTable(ctx context.Context, dsn string) (pgVersion string, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	_ = conn.QueryRow(ctx, "SHOW server_version").Scan(&pgVersion)
	if _, err := conn.Exec(ctx, refTable); err != nil {
		return "", fmt.Errorf("create the reference table: %w", err)
	}
	return pgVersion, nil
}

// storeOnly runs only figure 1b beside its reference, alternating pgbench's
// single-row transactions and the event store's appends (Runs pairs), and
// prints each with its CPU time per operation: the quick loop for issue 19's
// second target. With Profile set, the load generator's own CPU profile (the
// store runs in this process) is written there, over the store's runs.
func storeOnly(ctx context.Context, o benchOptions, sz sizes, dsn, dir string) error {
	_, single, _, err := setUpReferences(ctx, dsn, dir)
	if err != nil {
		return err
	}
	secs := sz.PgbenchSecs
	if o.CmdDur > 0 {
		secs = int(o.CmdDur.Seconds())
	}
	var prof *os.File
	if o.Profile != "" {
		if prof, err = os.Create(o.Profile); err != nil {
			return err
		}
		defer prof.Close()
	}
	var refs, stores []float64
	for r := range o.Runs {
		if r > 0 { // the last run's cleanReferences dropped it
			if _, err := createReferenceTable(ctx, dsn); err != nil {
				return err
			}
		}
		cpu0, err0 := readCPU(0)
		tps, _, err := pgbenchTPS(ctx, o.Pgbench, dsn, single, secs)
		if err != nil {
			return err
		}
		cpu1, err1 := readCPU(0)
		if err := cleanReferences(ctx, dsn); err != nil {
			return err
		}
		if prof != nil && r == 0 {
			if err := pprof.StartCPUProfile(prof); err != nil {
				return err
			}
		}
		cpu2, err2 := readCPU(0)
		aps, err := storeAppends(ctx, dsn, 32, time.Duration(secs)*time.Second)
		if err != nil {
			return fmt.Errorf("store appends: %w", err)
		}
		cpu3, err3 := readCPU(0)
		if prof != nil && r == o.Runs-1 {
			pprof.StopCPUProfile()
		}
		refs, stores = append(refs, tps), append(stores, aps)
		ref, store := "?", "?"
		if err0 == nil && err1 == nil && err2 == nil && err3 == nil {
			ref = cpu1.sub(cpu0).perUnit(tps * float64(secs))
			store = cpu3.sub(cpu2).perUnit(aps * float64(secs))
		}
		logf("1. run %d: pgbench single-row %.0f tx/s (CPU per tx: %s)", r+1, tps, ref)
		logf("1b. run %d: pgstore alone %.0f appends/s = %.2f× (CPU per append, the store as load generator: %s)", r+1, aps, aps/tps, store)
	}
	logf("median: pgstore alone %.0f appends/s / pgbench single-row %.0f tx/s = %.2f×", med(stores), med(refs), med(stores)/med(refs))
	return nil
}

// rebuildOnly runs only figure 5 beside its reference: pgbench's 100-row
// transactions once, then a log of Events CardUsed events (default the
// run's size) appended through pgstore, and Runs rebuilds of the card read
// models, each printed with its CPU time per event; with Profile set, the
// server's CPU profile of the first rebuild's first seconds is kept there.
// The quick loop for issue 19's third target.
func rebuildOnly(ctx context.Context, o benchOptions, sz sizes, dsn, dir string) error {
	_, _, hundred, err := setUpReferences(ctx, dsn, dir)
	if err != nil {
		return err
	}
	cpu0, err0 := readCPU(0)
	tps100, _, err := pgbenchTPS(ctx, o.Pgbench, dsn, hundred, sz.PgbenchSecs)
	if err != nil {
		return err
	}
	cpu1, err1 := readCPU(0)
	rows100 := tps100 * 100
	perRow := "?"
	if err0 == nil && err1 == nil {
		perRow = cpu1.sub(cpu0).perUnit(rows100 * float64(sz.PgbenchSecs))
	}
	logf("1. pgbench 100-row: %.0f rows/s (CPU per row: %s)", rows100, perRow)
	if err := cleanReferences(ctx, dsn); err != nil {
		return err
	}
	s, err := startServer(ctx, o.Server, dsn, dir)
	if err != nil {
		return err
	}
	defer s.stop()
	f, err := setupFixture(ctx, newClient(s.base))
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	big, err := f.makeBatches(ctx, int((sz.LogEvents+cardsPerBig-1)/cardsPerBig), cardsPerBig)
	if err != nil {
		return fmt.Errorf("batches: %w", err)
	}
	n, took, err := fillLog(ctx, dsn, newCardPool(f.signer, big), sz.LogEvents)
	if err != nil {
		return fmt.Errorf("fill the log: %w", err)
	}
	logf("log: appended %d events in %s", n, took.Round(time.Millisecond))
	if err := f.waitCaughtUp(ctx, sz.RebuildMax); err != nil {
		return err
	}
	events := analyzeLog(ctx, dsn)
	var evps []float64
	for r := range o.Runs {
		rb, _, err := profiledRebuild(ctx, s, f, sz, o.Server, o.Profile, r == 0 && o.Profile != "")
		if err != nil {
			return err
		}
		v := float64(events) / rb.Elapsed.Seconds()
		evps = append(evps, v)
		logf("5. run %d: %d events in %s = %.0f events/s = %.2f× the 100-row reference; CPU per event %s; peak RSS %.0f MiB",
			r+1, events, rb.Elapsed.Round(time.Millisecond), v, v/rows100, rb.CPU.perUnit(float64(events)), mib(rb.PeakRSS))
	}
	logf("median: %.0f events/s = %.2f×", med(evps), rebuildRatio(evps, rows100))
	return nil
}

// analyzeLog analyzes the log after a bulk fill and returns its size.
// Planner statistics as autovacuum would leave them on a quiet server: right
// after a bulk fill they are stale, and the filtered log reads of the
// subscriptions then pick a bitmap scan and a sort of the whole rest of the
// log for every page (263 ms instead of 0.2 ms per page measured on
// 2026-11-21).
func analyzeLog(ctx context.Context, dsn string) (events int64) {
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		logf("analyze: %v", err)
		return 0
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `ANALYZE eventstore.events`); err != nil {
		logf("analyze: %v", err)
	}
	_ = db.QueryRow(ctx, `SELECT count(*) FROM eventstore.events`).Scan(&events)
	return events
}

// profiledRebuild runs one rebuild (figure 5); with profile, it takes the
// server's CPU profile from the rebuild's start for sz.ProfileSecs and
// returns its summary (the profile itself kept at keep, when set).
func profiledRebuild(ctx context.Context, s *server, f *fixture, sz sizes, bin, keep string, profile bool) (rebuildRun, string, error) {
	var (
		pwait   chan struct{}
		summary string
	)
	if profile {
		pwait = make(chan struct{})
		go func() {
			defer close(pwait)
			var err error
			if summary, _, err = fetchProfile(ctx, s, sz.ProfileSecs, bin, keep); err != nil {
				logf("rebuild profile: %v", err)
			}
		}()
	}
	rb, err := rebuild(ctx, f, s.pid(), sz.RebuildMax)
	if pwait != nil {
		<-pwait
	}
	return rb, summary, err
}
