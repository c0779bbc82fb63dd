// Command loadgen measures the server on this machine, side by side with the
// limits of the same PostgreSQL in the same run (docs/benchmarks.md).
//
//	loadgen bench [-short] [-server bin/server] [-out docs/benchmarks.md] [-events N] [-duration D] [-runs 3]
//	loadgen bench -growth [-short] [-growth-sizes 1000000,10000000] [-out docs/benchmarks.md]
//
// bench creates a fresh database bench_<unix time> on 127.0.0.1:5432, runs
// the pgbench references on a scratch table there, starts the server binary
// as a child process on that database (pprof on DEBUG_ADDR), drives every
// figure three times over loopback, prints one table of medians, prepends it
// to the output file (older runs stay below) and drops the database.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] != "bench" {
		return fmt.Errorf("usage: loadgen bench [-short] [-server path] [-out docs/benchmarks.md]")
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var o benchOptions
	fs.BoolVar(&o.Short, "short", false, "smaller sizes: the whole run in under 3 minutes")
	fs.StringVar(&o.Server, "server", "bin/server", "server binary to start (build it with go build -o bin/ ./cmd/server)")
	fs.StringVar(&o.Peer, "peer", "", "CRUD peer binary of issue 19 (go build -o bin/ ./cmd/loadgen/crudpeer; empty: no peer rows)")
	fs.StringVar(&o.Out, "out", "docs/benchmarks.md", "Markdown file to prepend the report to (empty: print only)")
	fs.StringVar(&o.AdminURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL maintenance database URL")
	fs.StringVar(&o.Pgbench, "pgbench", "pgbench", "pgbench binary")
	fs.IntVar(&o.Runs, "runs", 3, "repetitions of each figure (the table shows medians)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the bench database")
	fs.StringVar(&o.Profile, "cpuprofile", "", "where to keep the server CPU profile taken under the command load (default: a temporary file)")
	fs.Int64Var(&o.Events, "events", 0, "override the log size of figures 5 and 6 (default 1,000,000; -short 20,000)")
	fs.DurationVar(&o.CmdDur, "duration", 0, "override the duration of each command run of figure 2 (default 30s; -short 5s)")
	fs.BoolVar(&o.UsesOnly, "uses", false, "only figure 2 (card uses beside the CRUD peer) and its profile, printed, no report: the quick loop for issue 19")
	fs.BoolVar(&o.StoreOnly, "store", false, "only figure 1b (the event store alone) alternating with pgbench's single-row reference, printed, no report; -duration sets each run's length, -cpuprofile the load generator's profile: the quick loop for issue 19's second target")
	fs.BoolVar(&o.RebuildOnly, "rebuild", false, "only figure 5 (rebuilds of the card read models from a log of -events) beside pgbench's 100-row reference, printed, no report; -cpuprofile keeps the server's profile of the first rebuild: the quick loop for issue 19's third target")
	fs.BoolVar(&o.Mixed, "mixed", false, "only figure 10 (every endpoint in a mixed workload) on a log of -events (its report added to -out)")
	fs.BoolVar(&o.Growth, "growth", false, "only figure 11 (append latency, catch-up and the hottest reads at each log size of -growth-sizes), with its own report")
	var apis, growth string
	fs.StringVar(&growth, "growth-sizes", "", "figure 11: log sizes, comma-separated (default 1000000,10000000; -short 20000,200000)")
	fs.StringVar(&apis, "mixed-apis", "", "figure 10: only these APIs, comma-separated (cards,hhu,magpie,ralendar,roamio,travel)")
	fs.IntVar(&o.Mix.Clients, "mixed-clients", 16, "figure 10: client goroutines")
	fs.DurationVar(&o.Mix.Duration, "mixed-duration", 0, "figure 10: duration of the run (default 60s; -short 10s)")
	fs.Float64Var(&o.Mix.Rate, "mixed-rate", 0, "figure 10: the open run's arrival rate in actions/s (default: half the measured capacity)")
	fs.StringVar(&o.Mix.PGLog, "pglog", "", "figure 10: PostgreSQL's log file, for the plans of the slowest operations (default: Debian's for the server's version)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if apis != "" {
		o.Mix.APIs = strings.Split(apis, ",")
	}
	if growth != "" {
		for _, v := range strings.Split(growth, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("-growth-sizes: %q is not a positive number of events", v)
			}
			o.GrowthSizes = append(o.GrowthSizes, n)
		}
	}
	if o.Mix.Duration == 0 {
		o.Mix.Duration = 60 * time.Second
		if o.Short {
			o.Mix.Duration = 10 * time.Second
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bench(ctx, o)
}
