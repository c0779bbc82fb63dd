package identityauth

import (
	"context"
	"errors"
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
	identityq "github.com/fiveapis/backend/queries/identity"
)

type countingUsers struct {
	reads int
	admin bool
}

func (u *countingUsers) UserByID(_ context.Context, q identityq.UserByID) (identityq.User, error) {
	u.reads++
	if q.ID == 404 {
		return identityq.User{}, identityq.ErrNotFound
	}
	return identityq.User{ID: q.ID, IsActive: true, IsAdmin: u.admin}, nil
}

type versions struct {
	pos eventlog.Position
	err error
}

func (v *versions) Known(context.Context, string) (eventlog.Position, error) { return v.pos, v.err }

func TestCachedUsersFollowTheReadModel(t *testing.T) {
	ctx := context.Background()
	users := &countingUsers{}
	v := &versions{pos: eventlog.Position{Commit: 10, Prepare: 10}}
	c := NewCachedUsers(users, v)
	get := func() identityq.User {
		t.Helper()
		u, err := c.UserByID(ctx, identityq.UserByID{ID: 7})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	get()
	get()
	if users.reads != 1 {
		t.Fatalf("%d reads while the read model did not change, want 1", users.reads)
	}
	// The read model changes (e.g. AdminGranted): the next answer is new.
	users.admin = true
	v.pos = eventlog.Position{Commit: 11, Prepare: 11}
	if !get().IsAdmin || users.reads != 2 {
		t.Fatalf("after the checkpoint moved: reads %d", users.reads)
	}
	// A rebuild may set the checkpoint back: any change of it counts.
	v.pos = eventlog.Position{Commit: 5, Prepare: 5}
	get()
	if users.reads != 3 {
		t.Fatalf("after the checkpoint was set back: reads %d", users.reads)
	}
	// Unknown users are not cached; without versions nothing is.
	for range 2 {
		if _, err := c.UserByID(ctx, identityq.UserByID{ID: 404}); !errors.Is(err, identityq.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	}
	v.err = errors.New("engine not started")
	get()
	if users.reads != 6 {
		t.Fatalf("reads %d, want 6", users.reads)
	}
}
