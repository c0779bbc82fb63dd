package engine

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/queries/pgerrors"
)

// What a failing event does to a projector depends on why it failed:
//
//   - The event itself cannot be applied (it does not decode, or PostgreSQL
//     refuses the data: a NUL byte in text, a value out of range, a
//     constraint): applying it again gives the same answer. It is parked at
//     its first failure, so the events behind it wait milliseconds, not the
//     retry schedule (permanentError).
//   - The database is not reachable or gave up on the transaction (a
//     connection lost, the server shutting down, too many clients, a
//     serialization failure or deadlock): the event is fine. The run stops
//     and starts again from its checkpoint after LockRetryInterval, and
//     nothing is parked (unavailableError).
//   - Anything else is retried on the retry schedule, then parked.
//
// A bad event is parked fast and a database blip parks nothing.

// permanentError marks an event that fails the same way every time: the
// transport parks it without retries (messaging's IsPermanent).
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

// unavailableError stops a consumer at once (StopConsumer): its database, or
// a reaction's destination (eventlog.ErrUnavailable), is unavailable. The
// event is neither retried nor parked; the run restarts from its checkpoint.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string      { return e.err.Error() }
func (e *unavailableError) Unwrap() error      { return e.err }
func (e *unavailableError) StopConsumer() bool { return true }

// decodeError is an event the codec cannot decode.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// classify marks err as permanent or unavailable when it can tell.
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	var stop interface{ StopConsumer() bool }
	if errors.As(err, &stop) && stop.StopConsumer() {
		return err
	}
	var de *decodeError
	if errors.As(err, &de) {
		return &permanentError{err}
	}
	if pgerrors.Unavailable(err) {
		return &unavailableError{err}
	}
	if pgerrors.DataError(err) {
		return &permanentError{err}
	}
	return err
}

// attemptsBefore is how many times an event was applied before it was
// parked for cause: once for a permanent failure, else the retry policy's
// attempts.
func attemptsBefore(cause error, p RetryPolicy) int {
	var pe *permanentError
	if errors.As(cause, &pe) {
		return 1
	}
	return p.Attempts()
}
