package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Sender delivers a message (SMTPSender; tests may use another).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Renderer turns an event into a message; ok false means the event needs no
// mail (or no longer: its recipient was erased).
type Renderer func(ctx context.Context, env eventlog.Envelope) (m Message, ok bool, err error)

// WorkerConfig configures a Worker (zero fields take defaults).
type WorkerConfig struct {
	// Name is the worker's checkpoint key; stable, it is its identity.
	Name   string
	Filter eventlog.Filter
	// MaxAttempts per event before it is parked (default 5); Backoff is the
	// first pause between attempts, doubled each time (default 1 s).
	MaxAttempts int
	Backoff     time.Duration
	// LeaderRetry is how often a process that is not the sender checks
	// whether it may become it (default 5 s).
	LeaderRetry time.Duration
	Logger      *slog.Logger
}

// Validate reports configuration errors.
func (c WorkerConfig) Validate() error {
	if c.Name == "" {
		return errors.New("mail worker: no name")
	}
	return nil
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Second
	}
	if c.LeaderRetry <= 0 {
		c.LeaderRetry = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Worker sends the mail of events, exactly in log order, from its own
// checkpoint (mail.checkpoints). Of several server processes, one sends (a
// lease in mail.leases); the others wait to take over. Delivery is at
// least once: a crash between sending and saving the checkpoint sends again.
type Worker struct {
	pool    *pgxpool.Pool
	store   eventlog.Store
	decoder eventlog.Decoder
	sender  Sender
	render  Renderer
	cfg     WorkerConfig
	holder  string
}

const schema = `CREATE SCHEMA IF NOT EXISTS mail;
CREATE TABLE IF NOT EXISTS mail.checkpoints (
  name       text PRIMARY KEY,
  position   text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS mail.leases (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS mail.parked (
  id          bigserial PRIMARY KEY,
  worker      text NOT NULL,
  event_id    text NOT NULL,
  stream_id   text NOT NULL,
  position    text NOT NULL,
  event_type  text NOT NULL,
  attempts    int NOT NULL,
  last_error  text NOT NULL,
  parked_at   timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz,
  UNIQUE (worker, event_id)
);`

// NewWorker creates the worker's tables and returns it.
func NewWorker(ctx context.Context, pool *pgxpool.Pool, store eventlog.Store, decoder eventlog.Decoder, sender Sender, render Renderer, cfg WorkerConfig) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, schema); err != nil {
		return nil, fmt.Errorf("mail worker: tables: %w", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Worker{pool: pool, store: store, decoder: decoder, sender: sender, render: render, cfg: cfg.withDefaults(),
		holder: hex.EncodeToString(b)}, nil
}

// Run sends until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	for {
		err := w.lead(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.cfg.Logger.Warn("mail worker: restarting", "worker", w.cfg.Name, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.cfg.LeaderRetry):
		}
	}
}

// leaseTTL is how long a sender's lease lasts without renewal.
const leaseTTL = 15 * time.Second

// acquire takes or renews the worker's lease for holder; false when another
// live holder has it. Leadership holds no connection.
func (w *Worker) acquire(ctx context.Context, holder string) (bool, error) {
	var got string
	err := w.pool.QueryRow(ctx, `INSERT INTO mail.leases (name, holder, expires_at) VALUES ($1, $2, now() + $3::interval)
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
 WHERE mail.leases.holder = EXCLUDED.holder OR mail.leases.expires_at < now()
RETURNING holder`, w.cfg.Name, holder, leaseTTL.String()).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil && got == holder, err
}

// lead runs while this process holds the worker's lease (a row in
// mail.leases, renewed every third of its lifetime).
func (w *Worker) lead(ctx context.Context) error {
	holder := w.holder
	got, err := w.acquire(ctx, holder)
	if err != nil || !got {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		_, _ = w.pool.Exec(context.WithoutCancel(ctx), `DELETE FROM mail.leases WHERE name = $1 AND holder = $2`, w.cfg.Name, holder)
	}()
	go func() {
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, err := w.acquire(ctx, holder); err != nil || !ok {
					w.cfg.Logger.Warn("mail worker: lease lost", "worker", w.cfg.Name, "err", err)
					cancel()
					return
				}
			}
		}
	}()
	after, err := w.checkpoint(ctx)
	if err != nil {
		return err
	}
	sub, err := w.store.SubscribeAll(ctx, eventlog.SubscribeOptions{After: after, Filter: w.cfg.Filter})
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		rec, err := sub.Recv(ctx)
		if err != nil {
			return err
		}
		if err := w.handle(ctx, rec); err != nil {
			return err
		}
		if _, err := w.pool.Exec(ctx, `INSERT INTO mail.checkpoints (name, position) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`, w.cfg.Name, rec.Position.String()); err != nil {
			return err
		}
	}
}

func (w *Worker) checkpoint(ctx context.Context) (eventlog.Position, error) {
	var s string
	err := w.pool.QueryRow(ctx, `SELECT position FROM mail.checkpoints WHERE name = $1`, w.cfg.Name).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventlog.Position{}, nil
	}
	if err != nil {
		return eventlog.Position{}, err
	}
	return eventlog.ParsePosition(s)
}

// handle renders and sends one event, retrying; what keeps failing is parked.
func (w *Worker) handle(ctx context.Context, rec eventlog.RecordedEvent) error {
	attempts, lastErr := 0, error(nil)
	pause := w.cfg.Backoff
	for attempts < w.cfg.MaxAttempts {
		attempts++
		lastErr = w.deliver(ctx, rec)
		if lastErr == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.cfg.Logger.Warn("mail worker: delivery failed", "worker", w.cfg.Name, "event_id", rec.ID, "attempt", attempts, "err", lastErr)
		if attempts < w.cfg.MaxAttempts {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
			pause *= 2
		}
	}
	w.cfg.Logger.Error("mail worker: parked", "worker", w.cfg.Name, "event_id", rec.ID, "err", lastErr)
	_, err := w.pool.Exec(ctx, `INSERT INTO mail.parked (worker, event_id, stream_id, position, event_type, attempts, last_error)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (worker, event_id) DO UPDATE SET attempts = mail.parked.attempts + EXCLUDED.attempts,
  last_error = EXCLUDED.last_error, parked_at = now(), replayed_at = NULL`,
		w.cfg.Name, rec.ID, rec.StreamID, rec.Position.String(), rec.Type, attempts, lastErr.Error())
	return err
}

func (w *Worker) deliver(ctx context.Context, rec eventlog.RecordedEvent) error {
	env, err := w.decoder.Decode(rec)
	if err != nil {
		return err
	}
	m, ok, err := w.render(ctx, env)
	if err != nil || !ok {
		return err
	}
	return w.sender.Send(ctx, m)
}

// Parked is a delivery that kept failing.
type Parked struct {
	ID        int64     `json:"id"`
	Worker    string    `json:"worker"`
	EventID   string    `json:"event_id"`
	StreamID  string    `json:"stream_id"`
	Position  string    `json:"position"`
	EventType string    `json:"event_type"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	ParkedAt  time.Time `json:"parked_at"`
}

// Parked lists the deliveries parked and not yet replayed.
func (w *Worker) Parked(ctx context.Context) ([]Parked, error) {
	rows, err := w.pool.Query(ctx, `SELECT id, worker, event_id, stream_id, position, event_type, attempts, last_error, parked_at
FROM mail.parked WHERE worker = $1 AND replayed_at IS NULL ORDER BY id`, w.cfg.Name)
	if err != nil {
		return nil, fmt.Errorf("mail worker %s: parked: %w", w.cfg.Name, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Parked, error) {
		var p Parked
		err := r.Scan(&p.ID, &p.Worker, &p.EventID, &p.StreamID, &p.Position, &p.EventType, &p.Attempts, &p.LastError, &p.ParkedAt)
		return p, err
	})
}

// ErrParkedNotFound is a replay of a parked delivery the worker does not
// have.
var ErrParkedNotFound = errors.New("mail: no such parked delivery")

// Name is the worker's checkpoint key.
func (w *Worker) Name() string { return w.cfg.Name }

// Replay tries a parked delivery again, once; on success it is marked
// replayed, on failure its error is updated. An id the worker did not park,
// or parked and replayed already, is ErrParkedNotFound.
func (w *Worker) Replay(ctx context.Context, id int64) error {
	var streamID, eventID string
	err := w.pool.QueryRow(ctx, `SELECT stream_id, event_id FROM mail.parked WHERE id = $1 AND worker = $2 AND replayed_at IS NULL`, id, w.cfg.Name).Scan(&streamID, &eventID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrParkedNotFound
	}
	if err != nil {
		return fmt.Errorf("mail worker %s: replay %d: %w", w.cfg.Name, id, err)
	}
	recs, err := w.store.ReadStream(ctx, streamID, eventlog.ReadStreamOptions{})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.ID != eventID {
			continue
		}
		if err := w.deliver(ctx, rec); err != nil {
			_, _ = w.pool.Exec(ctx, `UPDATE mail.parked SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, err.Error())
			return err
		}
		_, err := w.pool.Exec(ctx, `UPDATE mail.parked SET replayed_at = now() WHERE id = $1`, id)
		return err
	}
	return fmt.Errorf("mail: event %s not in %s", eventID, streamID)
}
