package activities_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling/handlingtest"
	"github.com/fiveapis/backend/transport/eventstore"

	activitiescmd "github.com/fiveapis/backend/commands/activities"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// stored reads the events of a stream back from the log.
type stored struct{ *eventstore.Streams }

func (s stored) events(stream string) []eventlog.Event {
	envs, _, err := s.Load(context.Background(), stream)
	if err != nil {
		panic(err)
	}
	out := make([]eventlog.Event, len(envs))
	for i, e := range envs {
		out[i] = e.Event
	}
	return out
}

// sealer stands in for the personal-data vault.
type sealer struct{}

func (sealer) Seal(_ context.Context, subject, plaintext string) (string, error) {
	return "sealed:" + subject + ":" + plaintext, nil
}

var admin = access.Actor{UserID: 1, Admin: true}

func setup(t *testing.T, limit int) (*activitiescmd.Handlers, stored, int64) {
	t.Helper()
	env := handlingtest.New(t, activities.Events()...)
	store := stored{env.Streams}
	now := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	h, err := activitiescmd.New(env.Runner(handling.Config{}), handlingtest.NewClock(now), sealer{}, handlingtest.Members(nil), activitiescmd.Config{})
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
