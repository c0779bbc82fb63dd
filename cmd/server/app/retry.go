package app

import (
	"context"
	"time"

	retrygo "github.com/sethvargo/go-retry"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/queries/pgerrors"
)

// Retries of what is safe to repeat when the database is briefly
// unavailable (a connection terminated, a failover): reads, and appends,
// whose events keep their ids so that both stores take a repeated append as
// the one it repeats (the contract suite's idempotent retry).
const (
	unavailableAttempts = 4
	unavailablePause    = 50 * time.Millisecond
)

// retryUnavailable wraps the event store so that a read or an append that
// failed because the database was unavailable is tried again, with pauses of
// 50, 100 and 200 ms; a command then answers as if nothing happened, or, if
// the database stays away, with the API's 503.
func retryUnavailable(s eventlog.Store) eventlog.Store { return &retryingStore{Store: s} }

type retryingStore struct{ eventlog.Store }

// Unwrap implements eventlog.Wrapper.
func (s *retryingStore) Unwrap() eventlog.Store { return s.Store }

func (s *retryingStore) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (res eventlog.AppendResult, err error) {
	err = retry(ctx, func() error {
		res, err = s.Store.Append(ctx, stream, expected, events)
		return err
	})
	return res, err
}

func (s *retryingStore) ReadStream(ctx context.Context, stream string, opts eventlog.ReadStreamOptions) (recs []eventlog.RecordedEvent, err error) {
	err = retry(ctx, func() error {
		recs, err = s.Store.ReadStream(ctx, stream, opts)
		return err
	})
	return recs, err
}

func (s *retryingStore) ReadAll(ctx context.Context, opts eventlog.ReadAllOptions) (recs []eventlog.RecordedEvent, err error) {
	err = retry(ctx, func() error {
		recs, err = s.Store.ReadAll(ctx, opts)
		return err
	})
	return recs, err
}

func retry(ctx context.Context, f func() error) error {
	return whileUnavailable(ctx, retrygo.WithMaxRetries(unavailableAttempts-1, retrygo.NewExponential(unavailablePause)), f)
}

// whileUnavailable runs f again, after the pauses of b, while it fails
// because the database is unavailable (sethvargo/go-retry); it returns f's
// last error, also when ctx ends first.
func whileUnavailable(ctx context.Context, b retrygo.Backoff, f func() error) error {
	var last error
	err := retrygo.Do(ctx, b, func(context.Context) error {
		last = f()
		if last != nil && pgerrors.Unavailable(last) {
			return retrygo.RetryableError(last)
		}
		return last
	})
	if err != nil && last != nil {
		return last
	}
	return err
}
