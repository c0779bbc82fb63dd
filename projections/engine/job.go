package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Running jobs (eventlog.Job).
//
// A job runs in the one process holding its advisory lock ("job:<name>").
// Its row in projection.jobs records when its last run started (by the
// engine's Clock) and how it ended. The runner claims a run with one
// conditional UPDATE (the last start is at least Every ago), so a job runs at
// most once per Every across processes even when its lock moves to another
// process; then it runs the job with that time and records the outcome.
// Between runs it looks again every LockRetryInterval at most, so a clock
// that jumps (a test's) is noticed soon.

// superviseJob keeps the job running in this process whenever this process
// holds its lock.
func (e *Engine) superviseJob(ctx context.Context, locks *locker, j eventlog.Job) {
	lockName := jobLockName(j.Name)
	for ctx.Err() == nil {
		err := func() error {
			lost, ok, err := locks.tryLock(ctx, lockName)
			if err != nil || !ok {
				return err
			}
			defer locks.unlock(lockName)
			return e.leadJob(ctx, j, lost)
		}()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			e.log.Error("engine: job runner failed", "job", j.Name, "err", err)
			e.setLastErr(j.Name, err)
		}
		t := time.NewTimer(e.cfg.LockRetryInterval)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// leadJob runs j whenever it is due, until ctx ends or the lock is lost.
func (e *Engine) leadJob(ctx context.Context, j eventlog.Job, lost <-chan struct{}) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-lost:
			e.log.Warn("engine: lock lost; stopping", "job", j.Name)
			cancel()
		case <-ctx.Done():
		}
	}()
	e.runMu.Lock()
	e.leading[j.Name] = true
	e.runMu.Unlock()
	defer func() {
		e.runMu.Lock()
		delete(e.leading, j.Name)
		e.runMu.Unlock()
	}()
	if _, err := e.pool.Exec(ctx, `INSERT INTO projection.jobs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, j.Name); err != nil {
		return stopped(ctx, fmt.Errorf("engine: job %s: %w", j.Name, err))
	}
	for {
		now := e.cfg.Clock.Now()
		claimed, next, err := e.claimJob(ctx, j, now)
		if err != nil {
			return stopped(ctx, err)
		}
		if claimed {
			e.runJob(ctx, j, now)
			continue
		}
		wait := min(next.Sub(now), e.cfg.LockRetryInterval)
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// stopped is nil when ctx ended (the error is its consequence), else err.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// claimJob starts a run of j at now if its last run started at least Every
// before; otherwise it returns when the next run is due.
func (e *Engine) claimJob(ctx context.Context, j eventlog.Job, now time.Time) (claimed bool, next time.Time, err error) {
	tag, err := e.pool.Exec(ctx, `
UPDATE projection.jobs SET last_started_at = $2, runs = runs + 1, updated_at = now()
 WHERE name = $1 AND (last_started_at IS NULL OR last_started_at <= $3)`, j.Name, now, now.Add(-j.Every))
	if err != nil {
		return false, time.Time{}, fmt.Errorf("engine: job %s: claim a run: %w", j.Name, err)
	}
	if tag.RowsAffected() == 1 {
		return true, now.Add(j.Every), nil
	}
	var last time.Time
	if err := e.pool.QueryRow(ctx, `SELECT last_started_at FROM projection.jobs WHERE name = $1`, j.Name).Scan(&last); err != nil {
		return false, time.Time{}, fmt.Errorf("engine: job %s: %w", j.Name, err)
	}
	return false, last.Add(j.Every), nil
}

// runJob runs j as of now and records how the run ended. A panic is a
// failure like an error.
func (e *Engine) runJob(ctx context.Context, j eventlog.Job, now time.Time) {
	began := time.Now()
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return j.Run(ctx, now)
	}()
	took := time.Since(began)
	var msg *string
	if err != nil {
		s := err.Error()
		msg = &s
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			e.log.Warn("engine: job cut off", "job", j.Name, "err", err)
		} else {
			e.log.Error("engine: job failed", "job", j.Name, "now", now, "took", took.String(), "err", err)
		}
	} else {
		e.log.Debug("engine: job ran", "job", j.Name, "now", now, "took", took.String())
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, werr := e.pool.Exec(rctx, `
UPDATE projection.jobs
   SET last_finished_at = $2, last_error = $3,
       last_error_at = CASE WHEN $3::text IS NULL THEN last_error_at ELSE $2 END,
       failures = failures + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END,
       updated_at = now()
 WHERE name = $1`, j.Name, e.cfg.Clock.Now(), msg); werr != nil {
		e.log.Error("engine: recording a job's run failed", "job", j.Name, "err", werr)
	}
	if err != nil {
		e.setLastErr(j.Name, err)
	} else {
		e.clearLastErr(j.Name)
	}
}

// jobRow is a row of projection.jobs.
type jobRow struct {
	lastStarted, lastFinished *time.Time
	lastError                 *string
	runs, failures            int64
}

// loadJobs reads the rows of the named jobs.
func loadJobs(ctx context.Context, q querier, names []string) (map[string]jobRow, error) {
	rows, err := q.Query(ctx, `
SELECT name, last_started_at, last_finished_at, last_error, runs, failures
  FROM projection.jobs WHERE name = ANY($1)`, names)
	if err != nil {
		return nil, fmt.Errorf("engine: jobs: %w", err)
	}
	type named struct {
		name string
		jobRow
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (named, error) {
		var n named
		err := row.Scan(&n.name, &n.lastStarted, &n.lastFinished, &n.lastError, &n.runs, &n.failures)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("engine: jobs: %w", err)
	}
	out := make(map[string]jobRow, len(list))
	for _, n := range list {
		out[n.name] = n.jobRow
	}
	return out, nil
}
