// Package pgerrors classifies PostgreSQL errors for the layers that decide
// what to do about them: the projection engine (park an event or restart
// from the checkpoint), the HTTP edge (answer 503 with Retry-After rather
// than 500) and the wiring's retries of safe operations.
package pgerrors

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database could not be used
// (the work itself may be fine): a connection failure, the server shutting
// down or out of connections, a transaction that gave up (serialization
// failure, deadlock, lock not available).
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"), // connection exception
			strings.HasPrefix(pg.Code, "53"),       // insufficient resources (too many clients)
			strings.HasPrefix(pg.Code, "57"),       // operator intervention (admin shutdown, cancel)
			pg.Code == "40001", pg.Code == "40P01", // serialization failure, deadlock
			pg.Code == "55P03": // lock not available
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	return errors.Is(err, net.ErrClosed) || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "closed pool")
}

// DataError reports whether err is PostgreSQL refusing the data or the
// statement itself, the same way every time: SQLSTATE classes 22 (data
// exception: invalid byte sequence, out of range), 23 (integrity constraint
// violation), 42 (syntax error or access rule violation), 2B (dependent
// objects), 44 (check option violation).
func DataError(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	for _, class := range []string{"22", "23", "42", "2B", "44"} {
		if strings.HasPrefix(pg.Code, class) {
			return true
		}
	}
	return false
}
