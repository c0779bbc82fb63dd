package hhuactor

import (
	"errors"
	"testing"
)

func TestActorChecks(t *testing.T) {
	for _, c := range []struct {
		actor           Actor
		id              int64
		idErr, adminErr error
	}{
		{Actor{UserID: "7", IsAdmin: true}, 7, nil, nil},
		{Actor{UserID: "7"}, 7, nil, ErrForbidden},
		{Actor{}, 0, ErrNotAuthenticated, ErrNotAuthenticated},
		{Actor{UserID: "0", IsAdmin: true}, 0, ErrNotAuthenticated, ErrNotAuthenticated},
		{Actor{UserID: "x", IsAdmin: true}, 0, ErrNotAuthenticated, ErrNotAuthenticated},
	} {
		id, err := c.actor.ID()
		if id != c.id || !errors.Is(err, c.idErr) || (c.idErr == nil) != (err == nil) {
			t.Errorf("%+v.ID() = %d, %v; want %d, %v", c.actor, id, err, c.id, c.idErr)
		}
		_, err = c.actor.Admin()
		if !errors.Is(err, c.adminErr) || (c.adminErr == nil) != (err == nil) {
			t.Errorf("%+v.Admin() error %v, want %v", c.actor, err, c.adminErr)
		}
		if err2 := c.actor.RequireAdmin(); (err2 == nil) != (err == nil) {
			t.Errorf("%+v.RequireAdmin() = %v, Admin() = %v", c.actor, err2, err)
		}
	}
}
