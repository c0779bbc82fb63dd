package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	contactscmd "github.com/fiveapis/backend/commands/contacts"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/transport/eventstore"
)

// setup runs the handlers on the PostgreSQL event store of a fresh database.
func setup(t *testing.T) (*contactscmd.Handlers, *eventstore.Streams) {
	t.Helper()
	env := handlingtest.New(t, contacts.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC))
	return contactscmd.New(env.Runner(handling.Config{MaxAttempts: 100}), clock), env.Streams
}

// TestConcurrentCommandsAreExact hammers one colleague relation and one
// department name from 40 goroutines each.
func TestConcurrentCommandsAreExact(t *testing.T) {
	h, streams := setup(t)
	ctx := context.Background()
	me := access.Actor{UserID: 7}
	admin := access.Actor{UserID: 1, Admin: true}
	const n = 40
	var added, taken, created atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				res, err := h.AddColleague(ctx, contactscmd.SetColleague{Actor: me, ColleagueID: 8})
				if err != nil {
					t.Error(err)
				} else if res.Changed {
					added.Add(1)
				}
				return
			}
			_, err := h.AddDepartment(ctx, contactscmd.AddDepartment{Actor: admin, Name: fmt.Sprintf("系%d", i%3)})
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, contacts.ErrDepartmentExists):
				taken.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if added.Load() != 1 || created.Load() != 3 || taken.Load() != n-3 {
		t.Fatalf("%d colleague additions, %d departments created, %d refused", added.Load(), created.Load(), taken.Load())
	}
	evs, _, err := streams.Load(ctx, contacts.ColleagueStream(7, 8))
	if err != nil || len(evs) != 1 {
		t.Fatalf("colleague stream: %v %v", evs, err)
	}
	last, _, err := streams.LoadLast(ctx, contacts.DepartmentStream())
	if err != nil {
		t.Fatal(err)
	}
	cat := contacts.CatalogueFrom(last.Event)
	ids := []int64{}
	for _, d := range cat.Departments {
		ids = append(ids, d.ID)
	}
	if fmt.Sprint(ids) != "[1 2 3]" || cat.NextID != 4 {
		t.Fatalf("catalogue: %+v", cat)
	}
}

func TestColleagueAndDepartmentCommands(t *testing.T) {
	h, streams := setup(t)
	ctx := context.Background()
	me := access.Actor{UserID: 7}
	if _, err := h.AddColleague(ctx, contactscmd.SetColleague{Actor: me, ColleagueID: 7}); !errors.Is(err, contacts.ErrSelfColleague) {
		t.Fatalf("self: %v", err)
	}
	if _, err := h.AddColleague(ctx, contactscmd.SetColleague{Actor: access.Actor{}, ColleagueID: 8}); err == nil {
		t.Fatal("anonymous added a colleague")
	}
	for i, step := range []struct {
		add, changed bool
	}{{false, false}, {true, true}, {true, false}, {false, true}, {false, false}} {
		run := h.RemoveColleague
		if step.add {
			run = h.AddColleague
		}
		res, err := run(ctx, contactscmd.SetColleague{Actor: me, ColleagueID: 8})
		if err != nil || res.Changed != step.changed || res.Position.IsStart() == step.changed {
			t.Fatalf("step %d (add %v): %+v %v", i, step.add, res, err)
		}
	}
	evs, _, _ := streams.Load(ctx, contacts.ColleagueStream(7, 8))
	var types []string
	for _, e := range evs {
		types = append(types, e.Event.EventType())
	}
	if fmt.Sprint(types) != fmt.Sprint([]string{contacts.EventColleagueAdded, contacts.EventColleagueRemoved}) {
		t.Fatalf("stream: %v", types)
	}

	admin := access.Actor{UserID: 1, Admin: true}
	if _, err := h.AddDepartment(ctx, contactscmd.AddDepartment{Actor: me, Name: "x"}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("non-admin: %v", err)
	}
	d, err := h.AddDepartment(ctx, contactscmd.AddDepartment{Actor: admin, Name: "计算机系"})
	if err != nil || d.Department.ID != 1 {
		t.Fatalf("add: %+v %v", d, err)
	}
	if r, err := h.RenameDepartment(ctx, contactscmd.RenameDepartment{Actor: admin, DepartmentID: 1, Name: "计算机系"}); err != nil || !r.Position.IsStart() || r.Department.Name != "计算机系" {
		t.Fatalf("rename to the same name: %+v %v", r, err)
	}
	if _, err := h.RenameDepartment(ctx, contactscmd.RenameDepartment{Actor: admin, DepartmentID: 2, Name: "y"}); !errors.Is(err, contacts.ErrDepartmentNotFound) {
		t.Fatalf("rename unknown: %v", err)
	}
	if _, err := h.RemoveDepartment(ctx, contactscmd.RemoveDepartment{Actor: admin, DepartmentID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.RemoveDepartment(ctx, contactscmd.RemoveDepartment{Actor: admin, DepartmentID: 1}); !errors.Is(err, contacts.ErrDepartmentNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
}
