package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
)

// SQLSTATEs raised by projection.lock_checkpoint (migration 00003).
const (
	codeCheckpointMoved = "PJ001"
	codeGenerationGone  = "PJ002"
)

// oneTripTx is the transaction of a batch whose run knows its checkpoint
// (it locked or committed it itself): BEGIN, the lock of the checkpoint with
// the check that it is still there (projection.lock_checkpoint), the
// projector's statements, the new checkpoint and COMMIT go to PostgreSQL in
// one round trip, at Commit, on a connection taken from the pool only then.
// A batch of an ordinary transaction costs four round trips (BEGIN, the
// lock, the queued statements, COMMIT) and holds its connection while it
// collects events.
//
// Until Commit, Exec only queues (Pipelined's promise: its command tag is
// not read). Any other use of the transaction (Query, SendBatch, …) sends
// the queue first and goes on as an ordinary transaction on the connection.
// When the lock fails, PostgreSQL skips the rest of the round trip: nothing
// of the batch is written, and the error says why (*checkpointMovedError or
// *generationGoneError); a failed statement gives a *pipelineError.
type oneTripTx struct {
	pool   *pgxpool.Pool
	schema string
	conn   *pgxpool.Conn // from the first send until Commit or Rollback
	q      *pgx.Batch
}

// newOneTripTx begins (lazily) a transaction of the generation schema whose
// checkpoint must be at cp.
func newOneTripTx(pool *pgxpool.Pool, schema string, cp eventlog.Position) *oneTripTx {
	q := &pgx.Batch{}
	q.Queue("BEGIN")
	q.Queue("SELECT projection.lock_checkpoint($1, $2, $3, $4)", schema, pgx.Identifier{schema}.Sanitize(), int64(cp.Commit), int64(cp.Prepare))
	return &oneTripTx{pool: pool, schema: schema, q: q}
}

// send sends the queue (BEGIN and the lock first, the first time); the
// connection stays in the transaction.
func (t *oneTripTx) send(ctx context.Context) error {
	if t.q.Len() == 0 {
		return nil
	}
	first := t.conn == nil // the queue starts with BEGIN and the lock
	if first {
		c, err := t.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("engine: %s: acquire a connection: %w", t.schema, err)
		}
		t.conn = c
	}
	q := t.q
	t.q = &pgx.Batch{}
	err := t.conn.SendBatch(ctx, q).Close()
	if err != nil && first && !t.conn.Conn().IsClosed() && t.conn.Conn().PgConn().TxStatus() == 'I' {
		// Nothing ran: pgx prepares the statements a connection has not
		// prepared before ahead of the round trip, with the session's
		// search_path, not the generation's that the lock sets, and
		// PostgreSQL refused one. Send BEGIN and the lock first, then the
		// rest inside the transaction; the connection keeps them prepared.
		err = t.sendSplit(ctx, q)
	}
	if err != nil {
		t.end(ctx)
		return t.classify(err)
	}
	return nil
}

// sendSplit sends q's BEGIN and lock, then the rest of q, in two round
// trips (fresh copies: the failed send left descriptions in q's queries).
func (t *oneTripTx) sendSplit(ctx context.Context, q *pgx.Batch) error {
	head, rest := &pgx.Batch{}, &pgx.Batch{}
	for i, qq := range q.QueuedQueries {
		b := rest
		if i < 2 { // BEGIN and the lock
			b = head
		}
		b.Queue(qq.SQL, qq.Arguments...)
	}
	if err := t.conn.SendBatch(ctx, head).Close(); err != nil {
		return err
	}
	return t.conn.SendBatch(ctx, rest).Close()
}

func (t *oneTripTx) direct(ctx context.Context) (pgx.Tx, error) {
	if err := t.send(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// classify names a failure of the round trip.
func (t *oneTripTx) classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeCheckpointMoved:
			return &checkpointMovedError{err}
		case codeGenerationGone:
			return &generationGoneError{consumer: t.schema}
		}
		return &pipelineError{err}
	}
	return err
}

// end rolls back what is open on the connection and gives it back.
func (t *oneTripTx) end(ctx context.Context) {
	if t.conn == nil {
		return
	}
	c := t.conn
	t.conn = nil
	if !c.Conn().IsClosed() && c.Conn().PgConn().TxStatus() != 'I' {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, _ = c.Exec(rctx, "ROLLBACK")
		cancel()
	}
	c.Release()
}

// Exec queues sql until the first send, and runs it on the connection after.
func (t *oneTripTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.conn == nil {
		t.q.Queue(sql, args...)
		return pgconn.CommandTag{}, nil
	}
	return t.conn.Exec(ctx, sql, args...) // sent: the queue is empty
}

// Commit sends the queue with COMMIT.
func (t *oneTripTx) Commit(ctx context.Context) error {
	t.q.Queue("COMMIT")
	err := t.send(ctx)
	if t.conn != nil {
		t.conn.Release()
		t.conn = nil
	}
	return err
}

// Rollback drops the queue and ends what was sent.
func (t *oneTripTx) Rollback(ctx context.Context) error {
	t.q = &pgx.Batch{}
	t.end(ctx)
	return nil
}

func (t *oneTripTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.send(ctx); err != nil {
		return nil, err
	}
	return t.conn.Query(ctx, sql, args...)
}

func (t *oneTripTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := t.send(ctx); err != nil {
		return errRow{err}
	}
	return t.conn.QueryRow(ctx, sql, args...)
}

func (t *oneTripTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.send(ctx); err != nil {
		return errBatchResults{err}
	}
	return t.conn.SendBatch(ctx, b)
}

func (t *oneTripTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.send(ctx); err != nil {
		return 0, err
	}
	return t.conn.CopyFrom(ctx, table, cols, src)
}

func (t *oneTripTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.send(ctx); err != nil {
		return nil, err
	}
	return t.conn.Conn().Prepare(ctx, name, sql)
}

// Begin is not supported: a pipelined projector does not nest transactions.
func (t *oneTripTx) Begin(context.Context) (pgx.Tx, error) {
	return nil, errors.New("engine: a pipelined batch has no nested transactions")
}

// LargeObjects is not supported (a zero value).
func (t *oneTripTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

// Conn is the connection once something was sent, else nil.
func (t *oneTripTx) Conn() *pgx.Conn {
	if t.conn == nil {
		return nil
	}
	return t.conn.Conn()
}

// checkpointMovedError: a batch's checkpoint was not where its run last
// left it (another writer moved it); nothing of the batch was written, and
// the run starts again from the stored checkpoint.
type checkpointMovedError struct{ err error }

func (e *checkpointMovedError) Error() string { return "engine: " + e.err.Error() }
func (e *checkpointMovedError) Unwrap() error { return e.err }
