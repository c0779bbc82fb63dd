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
	v   eventlog.ReadModelVersion
	err error
}

func (v *versions) Known(context.Context, string) (eventlog.ReadModelVersion, error) {
	return v.v, v.err
}

func version(gen int, pos uint64) eventlog.ReadModelVersion {
	return eventlog.ReadModelVersion{Generation: gen, Position: eventlog.Position{Commit: pos, Prepare: pos}}
}

func TestCachedUsersFollowTheReadModel(t *testing.T) {
	ctx := context.Background()
	users := &countingUsers{}
	v := &versions{v: version(1, 10)}
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
	v.v = version(1, 11)
	if !get().IsAdmin || users.reads != 2 {
		t.Fatalf("after the checkpoint moved: reads %d", users.reads)
	}
	// A rebuild switches to other tables, maybe at the same position: a
	// new generation counts as a change.
	v.v = version(2, 11)
	get()
	if users.reads != 3 {
		t.Fatalf("after a switch to another generation: reads %d", users.reads)
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
