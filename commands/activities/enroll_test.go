package activities_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	activitiescmd "github.com/fiveapis/backend/commands/activities"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// memStore is an in-memory handling.EventStore with exact expected versions.
type memStore struct {
	mu      sync.Mutex
	streams map[string][]eventlog.Event
}

func (s *memStore) Load(_ context.Context, stream string) ([]eventlog.Envelope, *uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.streams[stream]
	out := make([]eventlog.Envelope, len(evs))
	for i, e := range evs {
		out[i] = eventlog.Envelope{Event: e, Recorded: eventlog.RecordedEvent{StreamID: stream, Version: uint64(i)}}
	}
	return out, version(len(evs)), nil
}

func (s *memStore) LoadLast(_ context.Context, stream string) (*eventlog.Envelope, *uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.streams[stream]
	if len(evs) == 0 {
		return nil, nil, nil
	}
	return &eventlog.Envelope{Event: evs[len(evs)-1]}, version(len(evs)), nil
}

func (s *memStore) Append(_ context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.Event, _ eventlog.Metadata) (eventlog.AppendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := version(len(s.streams[stream]))
	if !expected.Satisfied(cur) {
		return eventlog.AppendResult{}, &eventlog.WrongVersionError{Stream: stream, Expected: expected, Actual: cur}
	}
	s.streams[stream] = append(s.streams[stream], events...)
	n := uint64(len(s.streams[stream]) - 1)
	return eventlog.AppendResult{NextVersion: n, Position: eventlog.Position{Commit: n + 1, Prepare: n + 1}}, nil
}

func (s *memStore) events(stream string) []eventlog.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]eventlog.Event(nil), s.streams[stream]...)
}

func version(n int) *uint64 {
	if n == 0 {
		return nil
	}
	v := uint64(n - 1)
	return &v
}

// sealer stands in for the personal-data vault.
type sealer struct{}

func (sealer) Seal(_ context.Context, subject, plaintext string) (string, error) {
	return "sealed:" + subject + ":" + plaintext, nil
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var admin = access.Actor{UserID: 1, Admin: true}

func setup(t *testing.T, limit int) (*activitiescmd.Handlers, *memStore, int64) {
	t.Helper()
	store := &memStore{streams: map[string][]eventlog.Event{}}
	now := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	h, err := activitiescmd.New(handling.NewRunner(store, handling.Config{}), fixedClock(now), sealer{}, activitiescmd.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.CreateActivity(t.Context(), activitiescmd.CreateActivity{Actor: admin, Spec: activities.Spec{
		Title: "讲座", StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour), ParticipantLimit: limit, EnrollmentOpen: true,
		Form: []activities.Field{{Name: "name", Label: "姓名", Type: activities.Text, Required: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return h, store, res.Activity.ID
}

func TestEnrollLimitExactUnderConcurrency(t *testing.T) {
	h, store, id := setup(t, 10)
	const n = 60
	var wins, full atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := h.Enroll(context.Background(), activitiescmd.Enroll{Actor: access.Actor{UserID: int64(100 + i)}, ActivityID: id,
				Answers: map[string]any{"name": "n"}})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, activities.ErrActivityFull):
				full.Add(1)
			default:
				t.Errorf("enroll %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 10 || full.Load() != n-10 {
		t.Fatalf("%d enrolled, %d refused as full", wins.Load(), full.Load())
	}
	evs := store.events(activities.Stream(id))
	for _, e := range evs {
		if e, ok := e.(activities.UserEnrolled); ok && e.AnswersRef != fmt.Sprintf(`sealed:user:%d:{"name":"n"}`, e.UserID) {
			t.Fatalf("answers not sealed under the user: %q", e.AnswersRef)
		}
	}
	a := activities.Fold(envelopes(evs))
	if a.Enrolled() != 10 {
		t.Fatalf("stream holds %d enrollments", a.Enrolled())
	}
	// Withdrawing frees exactly one place.
	first := a.Enrollments()[0]
	if _, err := h.Withdraw(t.Context(), activitiescmd.Withdraw{Actor: access.Actor{UserID: 999}, ActivityID: id, EnrollmentID: first.ID}); !errors.Is(err, activities.ErrEnrollmentNotFound) {
		t.Fatalf("stranger withdraws: %v", err)
	}
	if _, err := h.Withdraw(t.Context(), activitiescmd.Withdraw{Actor: access.Actor{UserID: first.UserID}, ActivityID: id, EnrollmentID: first.ID}); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if _, err := h.Enroll(t.Context(), activitiescmd.Enroll{Actor: access.Actor{UserID: 500}, ActivityID: id, Answers: map[string]any{"name": "n"}}); err != nil {
		t.Fatalf("enroll in the freed place: %v", err)
	}
	if _, err := h.Enroll(t.Context(), activitiescmd.Enroll{Actor: access.Actor{UserID: 501}, ActivityID: id, Answers: map[string]any{"name": "n"}}); !errors.Is(err, activities.ErrActivityFull) {
		t.Fatalf("eleventh: %v", err)
	}
}

func TestEnrollOncePerUserUnderConcurrency(t *testing.T) {
	h, store, id := setup(t, 0)
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := h.Enroll(context.Background(), activitiescmd.Enroll{Actor: access.Actor{UserID: 42}, ActivityID: id, Answers: map[string]any{"name": "n"}})
			if err == nil {
				wins.Add(1)
			} else if !errors.Is(err, activities.ErrAlreadyEnrolled) {
				t.Errorf("enroll: %v", err)
			}
		})
	}
	wg.Wait()
	if got := activities.Fold(envelopes(store.events(activities.Stream(id)))).Enrolled(); wins.Load() != 1 || got != 1 {
		t.Fatalf("%d wins, %d enrollments", wins.Load(), got)
	}
}

func TestManagementNeedsAdmin(t *testing.T) {
	h, _, id := setup(t, 0)
	user := access.Actor{UserID: 7}
	if _, err := h.CreateActivity(t.Context(), activitiescmd.CreateActivity{Actor: user}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("create: %v", err)
	}
	if _, err := h.RemoveActivity(t.Context(), activitiescmd.RemoveActivity{Actor: user, ActivityID: id}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("remove: %v", err)
	}
	if _, err := h.RemoveActivity(t.Context(), activitiescmd.RemoveActivity{Actor: admin, ActivityID: id}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, err := h.Enroll(t.Context(), activitiescmd.Enroll{Actor: user, ActivityID: id, Answers: map[string]any{"name": "n"}}); !errors.Is(err, activities.ErrNoSuchActivity) {
		t.Fatalf("enroll in removed: %v", err)
	}
}

func envelopes(evs []eventlog.Event) []eventlog.Envelope {
	out := make([]eventlog.Envelope, len(evs))
	for i, e := range evs {
		out[i] = eventlog.Envelope{Event: e}
	}
	return out
}
