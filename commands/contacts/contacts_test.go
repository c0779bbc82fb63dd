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
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/eventstore"
)

// outsider is a user who is not on the staff (registered through another API).
const outsider = 9

// setup runs the handlers on the PostgreSQL event store of a fresh database;
// users 7 and 8 are members of the staff.
func setup(t *testing.T) (*contactscmd.Handlers, *eventstore.Streams) {
	t.Helper()
	env := handlingtest.New(t, contacts.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC))
	return contactscmd.New(env.Runner(handling.Config{MaxAttempts: 100}), clock, handlingtest.Members{7: true, 8: true}), env.Streams
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

// TestColleaguesAreForMembers: an account that is not on the staff may not
// keep colleagues (their entries are colleagues' personal data); an admin
// may.
func TestColleaguesAreForMembers(t *testing.T) {
	h, _ := setup(t)
	ctx := context.Background()
	t.Run("an outsider is refused", func(t *testing.T) {
		for _, run := range []func(context.Context, contactscmd.SetColleague) (contactscmd.ColleagueResult, error){h.AddColleague, h.RemoveColleague} {
			if _, err := run(ctx, contactscmd.SetColleague{Actor: access.Actor{UserID: outsider}, ColleagueID: 8}); !errors.Is(err, access.ErrForbidden) {
				t.Fatalf("outsider: %v", err)
			}
		}
	})
	t.Run("a member and an admin may", func(t *testing.T) {
		for _, a := range []access.Actor{{UserID: 7}, {UserID: 1, Admin: true}} {
			if res, err := h.AddColleague(ctx, contactscmd.SetColleague{Actor: a, ColleagueID: 8}); err != nil || !res.Changed {
				t.Fatalf("%+v: %+v %v", a, res, err)
			}
		}
	})
}

// TestMemberCommands: admins place users in a department of the catalogue,
// move and dismiss them; one placement per user under concurrency.
func TestMemberCommands(t *testing.T) {
	h, streams := setup(t)
	ctx := context.Background()
	admin := access.Actor{UserID: 1, Admin: true}
	for _, name := range []string{"计算机系", "软件系"} {
		if _, err := h.AddDepartment(ctx, contactscmd.AddDepartment{Actor: admin, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("only an admin places", func(t *testing.T) {
		if _, err := h.PlaceMember(ctx, contactscmd.PlaceMember{Actor: access.Actor{UserID: 7}, UserID: outsider, DepartmentID: 1}); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("member placing: %v", err)
		}
	})
	t.Run("an unknown department is refused naming it", func(t *testing.T) {
		_, err := h.PlaceMember(ctx, contactscmd.PlaceMember{Actor: admin, UserID: outsider, DepartmentID: 5})
		if f, ok := fault.As(err); !ok || f.Field != "department" {
			t.Fatalf("unknown department: %v", err)
		}
	})
	t.Run("concurrent placements append once", func(t *testing.T) {
		var created atomic.Int64
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := h.PlaceMember(ctx, contactscmd.PlaceMember{Actor: admin, UserID: outsider, DepartmentID: 1})
				if err != nil {
					t.Error(err)
				} else if res.New {
					created.Add(1)
				}
			}()
		}
		wg.Wait()
		evs, _, err := streams.Load(ctx, contacts.MemberStream(outsider))
		if err != nil || len(evs) != 1 || created.Load() != 1 {
			t.Fatalf("%d new placements, stream %v %v", created.Load(), evs, err)
		}
	})
	t.Run("a move and a dismissal", func(t *testing.T) {
		res, err := h.PlaceMember(ctx, contactscmd.PlaceMember{Actor: admin, UserID: outsider, DepartmentID: 2})
		if err != nil || !res.Changed || res.New {
			t.Fatalf("move: %+v %v", res, err)
		}
		if _, err := h.DismissMember(ctx, contactscmd.DismissMember{Actor: admin, UserID: outsider}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.DismissMember(ctx, contactscmd.DismissMember{Actor: admin, UserID: outsider}); !errors.Is(err, contacts.ErrNotPlaced) {
			t.Fatalf("dismiss twice: %v", err)
		}
	})
}
