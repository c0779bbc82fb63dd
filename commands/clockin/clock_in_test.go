package clockin_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/transport/eventstore"
)

// activities is an in-test implementation of the Activities and Users ports
// (the read models behind them belong to other modules).
type activities struct {
	exists   map[int64]bool
	enrolled map[[2]int64]bool
}

func (a activities) ActivityExists(_ context.Context, id int64) (bool, error) {
	return a.exists[id], nil
}
func (a activities) Enrolled(_ context.Context, act, user int64) (bool, error) {
	return a.enrolled[[2]int64{act, user}], nil
}
func (a activities) UserExists(_ context.Context, id int64) (bool, error) { return id < 1000, nil }

// now is 2 s into a QR window, inside the grace of the previous one.
var now = clockin.WindowStart(clockin.WindowOf(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))).Add(2 * time.Second)

var admin = access.Actor{UserID: 1, Admin: true}

func setup(t *testing.T) (*clockincmd.Handlers, *clockin.CodeSigner, *eventstore.Streams) {
	t.Helper()
	env := handlingtest.New(t, clockin.Events()...)
	signer, err := clockin.NewCodeSigner([]byte("a test secret of sufficient length"))
	if err != nil {
		t.Fatal(err)
	}
	acts := activities{exists: map[int64]bool{7: true}, enrolled: map[[2]int64]bool{}}
	for u := int64(10); u < 20; u++ {
		acts.enrolled[[2]int64{7, u}] = true
	}
	h := clockincmd.New(env.Runner(handling.Config{}), handlingtest.NewClock(now), acts, acts, signer)
	return h, signer, env.Streams
}

func addItem(t *testing.T, h *clockincmd.Handlers, label string, from, to time.Time) int64 {
	t.Helper()
	res, err := h.AddItem(t.Context(), clockincmd.AddItem{Actor: admin, ActivityID: 7, Spec: clockin.ItemSpec{Label: label, OpenFrom: from, OpenTo: to}})
	if err != nil {
		t.Fatalf("add item %s: %v", label, err)
	}
	return res.Item.ID
}

func TestClockInOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	h, signer, streams := setup(t)
	item := addItem(t, h, "签到", now.Add(-time.Hour), now.Add(time.Hour))
	code := signer.Issue(item, now).Payload
	const n = 60
	var wins, already atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := h.ClockIn(context.Background(), clockincmd.ClockIn{Actor: access.Actor{UserID: 11}, ActivityID: 7, ItemID: item, Code: code})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, clockin.ErrAlreadyClockedIn):
				already.Add(1)
			default:
				t.Errorf("clock in: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || already.Load() != n-1 {
		t.Fatalf("%d clock-ins succeeded, %d were told already; want 1 and %d", wins.Load(), already.Load(), n-1)
	}
	history, _, err := streams.Load(t.Context(), clockin.RecordStream(item, 11))
	if err != nil || len(history) != 1 {
		t.Fatalf("record stream: %d events, %v", len(history), err)
	}
	if e := history[0].Event.(clockin.ClockedIn); e.Label != "签到" || e.Window != clockin.WindowOf(now) || e.ActivityID != 7 {
		t.Fatalf("recorded %+v", e)
	}
}

func TestClockInRules(t *testing.T) {
	t.Parallel()
	h, signer, _ := setup(t)
	open := addItem(t, h, "签到", now.Add(-time.Hour), now.Add(time.Hour))
	later := addItem(t, h, "签退", now.Add(time.Hour), now.Add(2*time.Hour))
	over := addItem(t, h, "午餐", now.Add(-2*time.Hour), now.Add(-time.Hour))
	user := access.Actor{UserID: 12}
	for _, tc := range []struct {
		name     string
		actor    access.Actor
		activity int64
		item     int64
		code     string
		want     error
	}{
		{"unknown activity", user, 8, open, signer.Issue(open, now).Payload, clockincmd.ErrActivityNotFound},
		{"item of no activity", user, 7, 999, signer.Issue(999, now).Payload, clockin.ErrNoSuchItem(999)},
		{"forged code", user, 7, open, "ci1.1.2.xxxx", clockin.ErrCodeInvalid},
		{"another item's code", user, 7, open, signer.Issue(later, now).Payload, clockin.ErrCodeWrongItem},
		{"expired code", user, 7, open, signer.Issue(open, now.Add(-clockin.Period-clockin.Grace)).Payload, clockin.ErrCodeExpired},
		{"not yet open", user, 7, later, signer.Issue(later, now).Payload, clockin.ErrNotYetOpen},
		{"closed", user, 7, over, signer.Issue(over, now).Payload, clockin.ErrClosed},
		{"not enrolled", access.Actor{UserID: 30}, 7, open, signer.Issue(open, now).Payload, clockin.ErrNotEnrolled},
		{"previous window within the grace", user, 7, open, signer.Issue(open, clockin.WindowStart(clockin.WindowOf(now)).Add(-time.Second)).Payload, nil},
		{"twice", user, 7, open, signer.Issue(open, now).Payload, clockin.ErrAlreadyClockedIn},
	} {
		_, err := h.ClockIn(t.Context(), clockincmd.ClockIn{Actor: tc.actor, ActivityID: tc.activity, ItemID: tc.item, Code: tc.code})
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) && (err == nil || err.Error() != tc.want.Error()) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSetupCommands(t *testing.T) {
	t.Parallel()
	h, _, streams := setup(t)
	ctx := t.Context()
	if _, err := h.AddItem(ctx, clockincmd.AddItem{Actor: access.Actor{UserID: 5}, ActivityID: 7, Spec: clockin.ItemSpec{Label: "x", OpenFrom: now, OpenTo: now.Add(time.Hour)}}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("non-admin adds: %v", err)
	}
	if _, err := h.AddItem(ctx, clockincmd.AddItem{Actor: admin, ActivityID: 8, Spec: clockin.ItemSpec{Label: "x", OpenFrom: now, OpenTo: now.Add(time.Hour)}}); !errors.Is(err, clockincmd.ErrActivityNotFound) {
		t.Fatalf("unknown activity: %v", err)
	}
	// Concurrent adds of one label: exactly one wins.
	var wg sync.WaitGroup
	var wins, taken atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.AddItem(context.Background(), clockincmd.AddItem{Actor: admin, ActivityID: 7, Spec: clockin.ItemSpec{Label: "签到", OpenFrom: now, OpenTo: now.Add(time.Hour)}})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, clockin.ErrLabelTaken):
				taken.Add(1)
			default:
				t.Errorf("add: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || taken.Load() != 9 {
		t.Fatalf("%d adds of one label won, %d were refused", wins.Load(), taken.Load())
	}
	if res, err := h.AssignStaff(ctx, clockincmd.AssignStaff{Actor: admin, ActivityID: 7, UserID: 5}); err != nil || !res.Created {
		t.Fatalf("assign: %v %v", res.Created, err)
	}
	if res, err := h.AssignStaff(ctx, clockincmd.AssignStaff{Actor: admin, ActivityID: 7, UserID: 5}); err != nil || res.Created {
		t.Fatalf("assign again: %v %v", res.Created, err)
	}
	if _, err := h.AssignStaff(ctx, clockincmd.AssignStaff{Actor: admin, ActivityID: 7, UserID: 5000}); err == nil {
		t.Fatal("assigned a user that does not exist")
	}
	if _, err := h.UnassignStaff(ctx, clockincmd.UnassignStaff{Actor: admin, ActivityID: 7, UserID: 6}); !errors.Is(err, clockin.ErrNotStaff) {
		t.Fatalf("unassign stranger: %v", err)
	}
	s, err := h.LoadSetup(ctx, 7)
	if err != nil || !s.IsStaff(5) || len(s.Items()) != 1 {
		t.Fatalf("setup: %+v %v", s, err)
	}
	history, _, _ := streams.Load(ctx, clockin.SetupStream(7))
	if len(history) != 2 {
		t.Fatalf("setup stream holds %d events, want ItemAdded and StaffAssigned", len(history))
	}
}
