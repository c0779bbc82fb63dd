package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Pipelined is an optional interface of a Projector. A projector whose
// Pipelined returns true promises that its Apply never reads the result of
// tx.Exec (the command tag): inside a catch-up batch, the engine then queues
// its Exec statements and sends them in one round trip (a pgx pipeline)
// before the next read (Query, QueryRow, SendBatch, CopyFrom, Prepare,
// Begin) or the commit, instead of one round trip per statement. Reads see
// every earlier statement, since the queue is sent first. Statement errors
// then appear at the next read or at the commit, possibly for an earlier
// event of the batch; the engine therefore rolls the batch back and applies
// those events again without the pipeline, one statement at a time, so a
// failing event is retried and parked exactly as without it.
type Pipelined interface {
	Pipelined() bool
}

func pipelined(p Projector) bool {
	pp, ok := p.(Pipelined)
	return ok && pp.Pipelined()
}

// pipelineError is a failure of a queued statement: which event caused it is
// not known.
type pipelineError struct{ err error }

func (e *pipelineError) Error() string { return "engine: pipelined statements: " + e.err.Error() }
func (e *pipelineError) Unwrap() error { return e.err }

// pipeTx queues Exec and sends the queue before any other use of the
// transaction.
type pipeTx struct {
	pgx.Tx
	q *pgx.Batch
}

func newPipeTx(tx pgx.Tx) *pipeTx { return &pipeTx{Tx: tx, q: &pgx.Batch{}} }

// pipe is a transaction that queues Exec: pipeTx, or oneTripTx.
type pipe interface {
	pgx.Tx
	// direct sends the queue and returns the transaction to use for
	// statements that must run one at a time.
	direct(ctx context.Context) (pgx.Tx, error)
}

func (t *pipeTx) direct(ctx context.Context) (pgx.Tx, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx, nil
}

func (t *pipeTx) flush(ctx context.Context) error {
	if t.q.Len() == 0 {
		return nil
	}
	q := t.q
	t.q = &pgx.Batch{}
	if err := t.Tx.SendBatch(ctx, q).Close(); err != nil {
		return &pipelineError{err}
	}
	return nil
}

func (t *pipeTx) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	t.q.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Query(ctx, sql, args...)
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := t.flush(ctx); err != nil {
		return errRow{err}
	}
	return t.Tx.QueryRow(ctx, sql, args...)
}

func (t *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.flush(ctx); err != nil {
		return errBatchResults{err}
	}
	return t.Tx.SendBatch(ctx, b)
}

func (t *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.Tx.CopyFrom(ctx, table, cols, src)
}

func (t *pipeTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Prepare(ctx, name, sql)
}

func (t *pipeTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Begin(ctx)
}

func (t *pipeTx) Commit(ctx context.Context) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	return t.Tx.Commit(ctx)
}

func (t *pipeTx) Rollback(ctx context.Context) error {
	t.q = &pgx.Batch{}
	return t.Tx.Rollback(ctx)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type errBatchResults struct{ err error }

func (r errBatchResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, r.err }
func (r errBatchResults) Query() (pgx.Rows, error)         { return nil, r.err }
func (r errBatchResults) QueryRow() pgx.Row                { return errRow{r.err} }
func (r errBatchResults) Close() error                     { return r.err }
func (r errBatchResults) Tx() pgx.Tx                       { return nil }

// unpipelined remembers, per generation, up to which position events must be
// applied without the pipeline because a pipelined batch up to there failed:
// the run restarts from its checkpoint and finds the failing event the slow
// way.
type unpipelined struct {
	mu   sync.Mutex
	upTo map[string]eventlog.Position
}

func (u *unpipelined) set(schema string, pos eventlog.Position) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.upTo == nil {
		u.upTo = map[string]eventlog.Position{}
	}
	if cur, ok := u.upTo[schema]; !ok || cur.Less(pos) {
		u.upTo[schema] = pos
	}
}

// allowed tells whether ev of schema may be pipelined.
func (u *unpipelined) allowed(schema string, pos eventlog.Position) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur, ok := u.upTo[schema]
	if !ok {
		return true
	}
	if cur.Less(pos) {
		delete(u.upTo, schema)
		return true
	}
	return false
}

func isPipelineError(err error) bool {
	var pe *pipelineError
	return errors.As(err, &pe)
}

// BatchApplier is an optional interface of a Pipelined projector. Inside a
// catch-up batch the engine then decodes the events the projector receives
// and hands them over together at the commit, in log order, so that it can
// write a run of similar events with one set-based statement (INSERT …
// SELECT FROM unnest) instead of one statement each. ApplyBatch must have
// exactly the effects of Apply on each event in order. A failure is handled
// as a pipelined batch's: the batch is rolled back and its events are applied
// again one at a time with Apply, so a failing event is retried and parked
// alone. Live events (one per transaction) always go through Apply.
type BatchApplier interface {
	ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope) error
}

// batchApplier returns p's BatchApplier when its batches may be applied set
// by set.
func batchApplier(p Projector) (BatchApplier, bool) {
	ba, ok := p.(BatchApplier)
	return ba, ok && pipelined(p)
}
