package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func jobStatus(t testing.TB, eng *engine.Engine, name string) engine.Status {
	t.Helper()
	st := statusOf(t, eng, name)
	if st.Kind != engine.KindJob {
		t.Fatalf("%s has kind %q", name, st.Kind)
	}
	return st
}

// TestJobRunsOnceEveryIntervalAcrossEngines runs one job in two engines on
// one database: it runs in one of them, once per Every, also when that
// engine stops and the other takes over, and it is passed the engine's clock.
func TestJobRunsOnceEveryIntervalAcrossEngines(t *testing.T) {
	t.Parallel()
	e1 := newEnv(t)
	e2 := openEnv(t, e1.dsn)
	clock := newTestClock()
	start0 := clock.Now()
	var (
		mu      sync.Mutex
		runs    []string    // engine of each run
		times   []time.Time // now of each run
		running atomic.Int32
		overlap atomic.Bool
	)
	job := func(label string) eventlog.Job {
		return eventlog.Job{Name: "sweep", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			defer running.Add(-1)
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			runs = append(runs, label)
			times = append(times, now)
			return nil
		}}
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(runs)
	}
	cfg1, cfg2 := testConfig(), testConfig()
	cfg1.Clock, cfg2.Clock = clock, clock
	cfg1.Jobs = []eventlog.Job{job("one")}
	cfg2.Jobs = []eventlog.Job{job("two")}
	eng1, eng2 := newEngine(t, e1, cfg1), newEngine(t, e2, cfg2)
	stop1, stop2 := start(t, eng1), start(t, eng2)

	eventually(t, 10*time.Second, "the first run", func() bool { return count() == 1 })
	time.Sleep(600 * time.Millisecond) // six lock retries of each engine
	if n := count(); n != 1 {
		t.Fatalf("%d runs within one interval, want 1", n)
	}
	mu.Lock()
	first := runs[0]
	mu.Unlock()
	stopFirst, other, otherLabel := stop1, eng2, "two"
	if first == "two" {
		stopFirst, other, otherLabel = stop2, eng1, "one"
	}
	stopFirst()
	eventually(t, 10*time.Second, "the other engine leads the job", func() bool { return jobStatus(t, other, "sweep").RunningHere })
	time.Sleep(600 * time.Millisecond)
	if n := count(); n != 1 {
		t.Fatalf("%d runs after the takeover within the interval, want 1", n)
	}
	st := jobStatus(t, other, "sweep")
	if !st.LastRun.Equal(start0) || !st.NextRun.Equal(start0.Add(time.Hour)) || st.Runs != 1 || st.Failures != 0 || st.LastError != "" || st.Every != time.Hour {
		t.Errorf("status %+v", st)
	}

	clock.Advance(time.Hour)
	eventually(t, 10*time.Second, "the second run, an interval later", func() bool { return count() == 2 })
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != 2 || runs[1] != otherLabel {
		t.Fatalf("runs %v, want the second by %s", runs, otherLabel)
	}
	if !times[0].Equal(start0) || !times[1].Equal(start0.Add(time.Hour)) {
		t.Errorf("runs were passed %v", times)
	}
	if overlap.Load() {
		t.Error("two runs at once")
	}
}

// TestJobFailureShowsInStatus: a failing job's error is in the status of
// every engine on the database, and it runs again an interval later.
func TestJobFailureShowsInStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := newTestClock()
	var calls atomic.Int32
	cfg := testConfig()
	cfg.Clock = clock
	cfg.Jobs = []eventlog.Job{{Name: "flaky", Every: time.Minute, Run: func(context.Context, time.Time) error {
		if calls.Add(1) == 1 {
			return errors.New("read model unreachable")
		}
		return nil
	}}}
	eng := newEngine(t, e, cfg)
	start(t, eng)
	eventually(t, 10*time.Second, "the failure in the status", func() bool {
		st := jobStatus(t, eng, "flaky")
		return strings.Contains(st.LastError, "read model unreachable") && st.Failures == 1 && st.Runs == 1
	})
	// Another engine on the database (not running the job) sees it too.
	cfg2 := testConfig()
	cfg2.Jobs = cfg.Jobs
	if st := jobStatus(t, newEngine(t, openEnv(t, e.dsn), cfg2), "flaky"); !strings.Contains(st.LastError, "read model unreachable") || st.RunningHere {
		t.Errorf("status elsewhere %+v", st)
	}
	clock.Advance(time.Minute)
	eventually(t, 10*time.Second, "the next run succeeded", func() bool {
		st := jobStatus(t, eng, "flaky")
		return st.Runs == 2 && st.LastError == "" && st.Failures == 1 && !st.LastRunEnded.IsZero()
	})
}
