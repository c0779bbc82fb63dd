package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
)

// crashChildEnv names the database a re-executed test binary runs the engine
// on, instead of running the tests.
const crashChildEnv = "ENGINE_CRASH_CHILD_DSN"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(crashChildEnv); dsn != "" {
		os.Exit(crashChild(dsn))
	}
	if dsn := os.Getenv(reactChildEnv); dsn != "" {
		os.Exit(reactChild(dsn))
	}
	os.Exit(m.Run())
}

// crashChild is the child process: it runs the engine with the crash
// projector until it is killed, or stops cleanly on SIGTERM.
func crashChild(dsn string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer pool.Close()
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer store.Close()
	eng, err := engine.New(pool, store, testDecoder{}, testConfig(), &counter{name: "crash", version: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer eng.Close()
	if err := eng.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

func startChild(t *testing.T, dsn string) *exec.Cmd {
	t.Helper()
	return startChildAs(t, crashChildEnv, dsn)
}

// startChildAs re-executes the test binary as the child named by env.
func startChildAs(t *testing.T, env, dsn string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), env+"="+dsn)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

func appliedCount(t *testing.T, e *env) int {
	t.Helper()
	ctx := context.Background()
	var exists bool
	if err := e.pool.QueryRow(ctx, `SELECT to_regclass('crash.applied') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		return 0
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM crash.applied`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashMidStreamThenResume kills (SIGKILL) a process running the engine
// in the middle of a 6,000-event log, starts another, lets it finish, and
// compares the read model with one built from zero.
func TestCrashMidStreamThenResume(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("re-executes the test binary over 6,000 events")
	}
	e := newEnv(t)
	const streams, perStream = 60, 100
	var head eventlog.Position
	for s := range streams {
		head = appendN(t, e.store, fmt.Sprintf("crash-%d", s), "Tick_v1", perStream)
	}
	const total = streams * perStream

	child := startChild(t, e.dsn)
	eventually(t, 60*time.Second, "child applied 1,000 events", func() bool { return appliedCount(t, e) >= 1000 })
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	atKill := appliedCount(t, e)
	if atKill >= total {
		t.Fatalf("the child finished all %d events before it was killed", total)
	}
	t.Logf("killed after %d of %d events", atKill, total)

	child = startChild(t, e.dsn)
	eng := newEngine(t, e, testConfig(), &counter{name: "crash", version: 1}) // not running: it waits
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := eng.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("child after SIGTERM: %v", err)
	}

	// The read model built from zero, in Go, from the log.
	want := expectedCounts(t, e.store, eventlog.Filter{})
	if diff := cmp.Diff(want, readCounts(t, e.pool, "crash")); diff != "" {
		t.Fatalf("read model after the crash differs from one built from zero (-want +got):\n%s", diff)
	}
	if n := appliedCount(t, e); n != total {
		t.Fatalf("applied %d events, want %d", n, total)
	}
	if parked, err := eng.Parked(context.Background(), "crash"); err != nil || len(parked) != 0 {
		t.Fatalf("parked %v, %v", parked, err)
	}
}
