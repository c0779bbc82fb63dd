package app

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fiveapis/backend/domain/eventlog"
)

// flakyStore fails its first calls with err.
type flakyStore struct {
	eventlog.Store
	fails int
	err   error
	calls int
}

func (s *flakyStore) Append(context.Context, string, eventlog.ExpectedVersion, []eventlog.EventData) (eventlog.AppendResult, error) {
	s.calls++
	if s.calls <= s.fails {
		return eventlog.AppendResult{}, s.err
	}
	return eventlog.AppendResult{NextVersion: 1}, nil
}

func TestRetryUnavailable(t *testing.T) {
	t.Parallel()
	terminated := &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}
	for _, tc := range []struct {
		name      string
		fails     int
		err       error
		wantCalls int
		wantErr   bool
	}{
		{"a blip is ridden out", 2, terminated, 3, false},
		{"a database that stays away is reported", 10, terminated, unavailableAttempts, true},
		{"a refused append is not repeated", 10, &pgconn.PgError{Code: "22021"}, 1, true},
		{"a conflict is not repeated", 10, eventlog.ErrWrongExpectedVersion, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &flakyStore{fails: tc.fails, err: tc.err}
			_, err := retryUnavailable(f).Append(context.Background(), "s-1", eventlog.Any(), nil)
			if f.calls != tc.wantCalls || (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, tc.err)) {
				t.Errorf("calls %d, err %v; want %d calls, error %v", f.calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
}
