package calendar_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
)

// staticDue is a read model that always lists the same events as due.
type staticDue []int64

func (s staticDue) DueReminders(context.Context, time.Time, int) ([]int64, error) { return s, nil }

var user = access.Actor{UserID: 7}

// TestConcurrentReminderRunsSendOnce: 16 goroutines run the reminder job at
// once over the same events (as two processes whose read models lag
// would): each reminder is due once.
func TestConcurrentReminderRunsSendOnce(t *testing.T) {
	t.Parallel()
	env := handlingtest.New(t, calendar.Events()...)
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := handlingtest.NewClock(start.Add(-time.Hour))
	h := calendarcmd.New(env.Runner(handling.Config{}), clock)
	ctx := context.Background()
	var due staticDue
	for i := range 5 {
		res, err := h.CreateEvent(ctx, calendarcmd.CreateEvent{Actor: user, Details: calendar.Details{Title: fmt.Sprint("e", i), StartTime: start,
			ReminderMinutes: 15, EmailReminder: true}})
		if err != nil {
			t.Fatal(err)
		}
		due = append(due, res.Event.ID)
	}
	now := start.Add(-10 * time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := h.SendDueReminders(ctx, due, now)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != len(due) {
		t.Fatalf("%d reminders due, want %d", total, len(due))
	}
	if n, _ := h.SendDueReminders(ctx, due, now.Add(5*time.Minute)); n != 0 {
		t.Fatalf("a later run sent %d again", n)
	}
}

// TestConcurrentTripSyncsMakeOneEventPerItem: 8 syncs of the same trip at
// once make one event per source item.
func TestConcurrentTripSyncsMakeOneEventPerItem(t *testing.T) {
	t.Parallel()
	env := handlingtest.New(t, calendar.Events()...)
	h := calendarcmd.New(env.Runner(handling.Config{}), handlingtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)))
	items := []calendarcmd.TripItem{}
	for i := range 4 {
		items = append(items, calendarcmd.TripItem{SourceID: fmt.Sprint("item-", i), Details: calendar.Details{Title: fmt.Sprint("t", i),
			StartTime: time.Date(2026, 5, 1, 8+i, 0, 0, 0, time.UTC), ReminderMinutes: 15}})
	}
	var wg sync.WaitGroup
	ids := make([][]int64, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.SyncTripEvents(context.Background(), calendarcmd.SyncTripEvents{Actor: user, TripSlug: "trip-a", SourceApp: "roamio", Items: items})
			if err != nil {
				t.Error(err)
				return
			}
			for _, e := range res.Events {
				ids[g] = append(ids[g], e.Event.ID)
			}
		}()
	}
	wg.Wait()
	for g := range ids {
		if fmt.Sprint(ids[g]) != fmt.Sprint(ids[0]) {
			t.Fatalf("sync %d made %v, sync 0 %v", g, ids[g], ids[0])
		}
	}
}
