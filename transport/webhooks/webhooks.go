// Package webhooks delivers Roamio's webhook announcements over HTTP:
// JSON bodies signed with HMAC-SHA256 under the endpoint's secret, with a
// timestamp against replays, and a record of every attempt in PostgreSQL
// (schema "webhooks_state", numbered migrations) that is also each
// endpoint's queue: Enqueue adds a delivery, Next is an endpoint's oldest
// pending one, Retry schedules or parks it, so an endpoint that acknowledged
// an event is not sent it again and operators see the deliveries.
//
// Headers of a delivery:
//
//	X-Webhook-Id         the event's id (the receiver's key for duplicates)
//	X-Webhook-Event      trip.created, trip.updated, …
//	X-Webhook-Timestamp  Unix seconds when sent
//	X-Webhook-Signature  "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body))
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/transport/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the adapter's numbered migrations (schema
// "webhooks_state").
func Migrations() pgmigrate.Set {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return pgmigrate.Set{Schema: "webhooks_state", Files: files}
}

// Sender delivers and records deliveries.
type Sender struct {
	pool   *pgxpool.Pool
	client *http.Client
	secret []byte
	now    func() time.Time
}

// New returns a sender; secret is the server's, from which each endpoint's
// is derived; timeout bounds one delivery.
func New(pool *pgxpool.Pool, secret []byte, timeout time.Duration) *Sender {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &Sender{pool: pool, client: &http.Client{Timeout: timeout}, secret: secret, now: time.Now}
}

// Secret is an endpoint's signing secret: derived from the server's secret
// and the endpoint's id, so it is in no log or table.
func (s *Sender) Secret(endpointID int64) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("roamio-webhook-endpoint:" + strconv.FormatInt(endpointID, 10)))
	return "whsec_" + hex.EncodeToString(m.Sum(nil))[:40]
}

// Sign is the signature of body sent at timestamp under secret.
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Message is one announcement to one endpoint.
type Message struct {
	EndpointID int64
	URL        string
	// EventID is the event's id: the receiver's key for duplicates.
	EventID string
	Kind    string
	TripID  int64
	Body    []byte
}

// Enqueue puts the message at the end of its endpoint's queue (nothing
// when it is queued or delivered already).
func (s *Sender) Enqueue(ctx context.Context, d Message) error {
	_, err := s.pool.Exec(ctx, `
INSERT INTO webhooks_state.deliveries (endpoint_id, event_id, kind, trip_id, body, first_at, last_at, next_at)
VALUES ($1,$2,$3,$4,$5,$6,$6,$6)
ON CONFLICT (endpoint_id, event_id) DO UPDATE SET body = EXCLUDED.body
  WHERE deliveries.body IS NULL AND NOT deliveries.delivered`,
		d.EndpointID, d.EventID, d.Kind, d.TripID, d.Body, s.now())
	if err != nil {
		return fmt.Errorf("enqueue webhook delivery: %w", err)
	}
	return nil
}

// Pending is the head of an endpoint's queue.
type Pending struct {
	EventID  string
	Kind     string
	TripID   int64
	Body     []byte
	Attempts int
	NextAt   time.Time
}

// Next returns the endpoint's oldest delivery neither acknowledged nor
// parked (ok false: none).
func (s *Sender) Next(ctx context.Context, endpointID int64) (Pending, bool, error) {
	var p Pending
	err := s.pool.QueryRow(ctx, `SELECT event_id, kind, trip_id, body, attempts, next_at FROM webhooks_state.deliveries
 WHERE endpoint_id = $1 AND NOT delivered AND NOT parked AND body IS NOT NULL ORDER BY seq LIMIT 1`, endpointID).
		Scan(&p.EventID, &p.Kind, &p.TripID, &p.Body, &p.Attempts, &p.NextAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Pending{}, false, nil
	}
	if err != nil {
		return Pending{}, false, fmt.Errorf("next webhook delivery of endpoint %d: %w", endpointID, err)
	}
	return p, true, nil
}

// Retry schedules the next attempt of a failed delivery at, or parks it.
func (s *Sender) Retry(ctx context.Context, endpointID int64, eventID string, at time.Time, park bool) error {
	_, err := s.pool.Exec(ctx, `UPDATE webhooks_state.deliveries SET next_at = $3, parked = $4 WHERE endpoint_id = $1 AND event_id = $2`,
		endpointID, eventID, at, park)
	if err != nil {
		return fmt.Errorf("schedule webhook delivery %s: %w", eventID, err)
	}
	return nil
}

// ErrNotParked is a replay of a delivery that is not parked (pending or
// delivered); ErrNoDelivery one of a delivery that does not exist.
var (
	ErrNotParked  = errors.New("webhook delivery is not parked")
	ErrNoDelivery = errors.New("no such webhook delivery")
)

// Replay puts a parked delivery back at its place in the endpoint's queue
// (its seq: before the endpoint's later pending deliveries) with a fresh
// budget of attempts, due now.
func (s *Sender) Replay(ctx context.Context, endpointID int64, eventID string) (Delivery, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE webhooks_state.deliveries SET parked = false, attempts = 0, replays = replays + 1, next_at = $3
 WHERE endpoint_id = $1 AND event_id = $2 AND parked AND NOT delivered AND body IS NOT NULL`, endpointID, eventID, s.now())
	if err != nil {
		return Delivery{}, fmt.Errorf("replay webhook delivery %s: %w", eventID, err)
	}
	d, found, err := s.delivery(ctx, endpointID, eventID)
	switch {
	case err != nil:
		return Delivery{}, err
	case !found:
		return Delivery{}, ErrNoDelivery
	case tag.RowsAffected() == 0:
		return d, ErrNotParked
	}
	return d, nil
}

const deliveryColumns = `endpoint_id, event_id, kind, trip_id, attempts, last_status, last_error, delivered, parked, replays, first_at, last_at`

func scanDelivery(row pgx.Row) (Delivery, error) {
	var d Delivery
	err := row.Scan(&d.EndpointID, &d.EventID, &d.Kind, &d.TripID, &d.Attempts, &d.LastStatus, &d.LastError, &d.Delivered,
		&d.Parked, &d.Replays, &d.FirstAt, &d.LastAt)
	return d, err
}

// delivery reads one delivery (found false: none).
func (s *Sender) delivery(ctx context.Context, endpointID int64, eventID string) (Delivery, bool, error) {
	d, err := scanDelivery(s.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhooks_state.deliveries
 WHERE endpoint_id = $1 AND event_id = $2`, endpointID, eventID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, false, nil
	}
	if err != nil {
		return Delivery{}, false, fmt.Errorf("webhook delivery %s: %w", eventID, err)
	}
	return d, true, nil
}

// Deliver posts the message, signed, and records the attempt: a 2xx answer is an
// acknowledgement; anything else, or no answer, a failed attempt.
func (s *Sender) Deliver(ctx context.Context, d Message) error {
	now := s.now()
	ts := now.Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return s.record(ctx, d, now, 0, fmt.Errorf("request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Roamio-Webhooks/1")
	req.Header.Set("X-Webhook-Id", d.EventID)
	req.Header.Set("X-Webhook-Event", d.Kind)
	req.Header.Set("X-Webhook-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Webhook-Signature", Sign(s.Secret(d.EndpointID), ts, d.Body))
	resp, err := s.client.Do(req)
	if err != nil {
		return s.record(ctx, d, now, 0, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return s.record(ctx, d, now, resp.StatusCode, fmt.Errorf("answered %d", resp.StatusCode))
	}
	return s.record(ctx, d, now, resp.StatusCode, nil)
}

// record writes the attempt and returns its error (or the record's).
func (s *Sender) record(ctx context.Context, d Message, at time.Time, status int, attemptErr error) error {
	msg := ""
	if attemptErr != nil {
		msg = attemptErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if !utf8.ValidString(msg) {
			msg = "failed"
		}
	}
	_, err := s.pool.Exec(ctx, `
INSERT INTO webhooks_state.deliveries (endpoint_id, event_id, kind, trip_id, attempts, last_status, last_error, delivered, first_at, last_at)
VALUES ($1,$2,$3,$4,1,$5,$6,$7,$8,$8)
ON CONFLICT (endpoint_id, event_id) DO UPDATE SET attempts = deliveries.attempts + 1, last_status = $5, last_error = $6,
  delivered = deliveries.delivered OR $7, last_at = $8`,
		d.EndpointID, d.EventID, d.Kind, d.TripID, status, msg, attemptErr == nil, at)
	if attemptErr != nil {
		return attemptErr
	}
	if err != nil {
		return fmt.Errorf("record webhook delivery: %w", err)
	}
	return nil
}

// Delivery is one recorded delivery for operators.
type Delivery struct {
	EndpointID int64
	EventID    string
	Kind       string
	TripID     int64
	Attempts   int
	LastStatus int
	LastError  string
	Delivered  bool
	Parked     bool
	// Replays counts the operators' replays of it after it was parked.
	Replays int
	FirstAt time.Time
	LastAt  time.Time
}

// Deliveries returns an endpoint's latest deliveries, newest first.
func (s *Sender) Deliveries(ctx context.Context, endpointID int64, limit int) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+`
 FROM webhooks_state.deliveries WHERE endpoint_id = $1 ORDER BY first_at DESC, event_id LIMIT $2`, endpointID, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// Recent returns the latest deliveries of every endpoint, newest first
// (the operator console's outbox).
func (s *Sender) Recent(ctx context.Context, limit int) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT endpoint_id, event_id, kind, trip_id, attempts, last_status, last_error, delivered, parked, first_at, last_at
 FROM webhooks_state.deliveries ORDER BY last_at DESC, endpoint_id, event_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

func scanDeliveries(rows pgx.Rows) ([]Delivery, error) {
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
