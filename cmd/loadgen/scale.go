package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// scaleRun is one run of figure 9: the card uses of (2) spread over Procs
// server processes on the one database (worker i to process i mod Procs).
type scaleRun struct {
	Procs int
	Use   useRun // CPU: every server process, PostgreSQL and the load generator
	// Conns is the most connections to the bench database seen during the
	// run (sampled every 100 ms): the budget the processes share.
	Conns int
	// DB: PostgreSQL's counters over the run (commits per use say how
	// group commits split among the processes).
	DB pgCounters
}

// scaleOut starts procs-1 more server processes beside s, drives the uses
// of (2) over all of them for d and stops the extra ones. A use answered by
// one process waits for projections that another may run (the generation
// lock holder), through PostgreSQL's notifications: read-your-writes as a
// scaled-out deployment has it.
func scaleOut(ctx context.Context, bin, dsn, dir string, s *server, f *fixture, pool *cardPool, procs int, d time.Duration) (scaleRun, error) {
	servers := []*server{s}
	defer func() {
		for _, x := range servers[1:] {
			x.stop()
		}
	}()
	for len(servers) < procs {
		x, err := startServer(ctx, bin, dsn, dir)
		if err != nil {
			return scaleRun{}, err
		}
		servers = append(servers, x)
	}
	clients := make([]*client, procs)
	pids := make([]int, procs)
	for i, x := range servers {
		clients[i], pids[i] = newClient(x.base), x.pid()
		if i > 0 {
			// The new process's projections and consumers catch up first.
			time.Sleep(2 * time.Second)
		}
	}
	conns := sampleConns(ctx, dsn)
	db0, _ := dbStats(ctx, dsn)
	u, err := runUses(ctx, func(i int) *client { return clients[i%procs] }, f.user, func() (string, error) {
		_, _, code, err := pool.take()
		return code, err
	}, 32, d, pids...)
	r := scaleRun{Procs: procs, Use: u, Conns: conns.stop()}
	if db1, derr := dbStats(ctx, dsn); derr == nil {
		r.DB = db1.sub(db0)
	}
	return r, err
}

// connPeak samples the connections to a database.
type connPeak struct {
	mu   sync.Mutex
	max  int
	done chan struct{}
	wg   sync.WaitGroup
}

func sampleConns(ctx context.Context, dsn string) *connPeak {
	p := &connPeak{done: make(chan struct{})}
	p.wg.Go(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return
		}
		defer conn.Close(context.WithoutCancel(ctx))
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()`).Scan(&n); err == nil {
				p.mu.Lock()
				p.max = max(p.max, n-1) // not this one
				p.mu.Unlock()
			}
			select {
			case <-p.done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return p
}

func (p *connPeak) stop() int {
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max
}

// renderScale writes figure 9's rows: per process count, the medians of
// throughput, p99, read-your-writes p99 and CPU per use, the ratio to one
// process and the most connections seen.
func renderScale(b *strings.Builder, res *results, sz sizes) {
	if len(res.Scale) == 0 {
		return
	}
	var one float64
	for procs := 1; procs <= 3; procs++ {
		var (
			runs    []useRun
			commits []float64
		)
		conns := 0
		for _, r := range res.Scale {
			if r.Procs == procs {
				runs = append(runs, r.Use)
				conns = max(conns, r.Conns)
				commits = append(commits, r.DB.Commits/float64(max(r.Use.OK, 1)))
			}
		}
		if len(runs) == 0 {
			continue
		}
		rps := each(runs, useRun.rps)
		m := med(rps)
		if procs == 1 {
			one = m
		}
		cpu, _ := cpuPer(each(runs, func(u useRun) cpuTime { return u.CPU }), each(runs, func(u useRun) float64 { return float64(u.OK) }))
		fmt.Fprintf(b, "| 9 | scale-out: card uses of (2) over %d server process(es) on one database, 32 clients, %s | %.0f req/s = %.2f× one process; p99 %.1f ms, read-your-writes p99 %.1f ms; at most %d connections; CPU per use %s; %.2f PostgreSQL commits per use | | %s |\n",
			procs, sz.CmdDur, m, m/max(one, 1), med(each(runs, func(u useRun) float64 { return percentile(u.Lat, 99) })),
			med(each(runs, func(u useRun) float64 { return percentile(u.RYW, 99) })), conns, cpu, med(commits), runsOf(rps, "%.0f"))
	}
}

// scaleRatios are the median throughputs over 2 and 3 processes divided by
// the one over one process.
func scaleRatios(res *results) (two, three float64, ok bool) {
	by := map[int][]float64{}
	for _, r := range res.Scale {
		by[r.Procs] = append(by[r.Procs], r.Use.rps())
	}
	if len(by[1]) == 0 || len(by[2]) == 0 || len(by[3]) == 0 {
		return 0, 0, false
	}
	one := med(by[1])
	return med(by[2]) / one, med(by[3]) / one, one > 0
}
