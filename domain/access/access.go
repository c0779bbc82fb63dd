// Package access is who issues a command or a query, shared by every
// context: the authenticated user (id, name, admin flag, roles) or nobody,
// and the two ways a permission check refuses. Each context decides its own
// rules (owner, admin, role); each API words the refusals in its error table.
package access

import "github.com/fiveapis/backend/domain/fault"

// Actor is who issues a command: a user (UserID > 0), the system (start-up
// settings, recovery jobs), or nobody (anonymous).
type Actor struct {
	UserID   int64
	Username string
	Admin    bool
	// Roles are module roles, e.g. "magpie:official".
	Roles []string
	// System marks the server acting on its own behalf.
	System bool
}

// System is the server acting on its own behalf.
var System = Actor{System: true}

// Errors of the checks. Their codes are what the APIs' error tables map.
var (
	// ErrUnauthenticated: the check needs a user and the actor is none.
	ErrUnauthenticated = fault.New(fault.Unauthenticated, "NOT_AUTHENTICATED", "authentication required")
	// ErrForbidden: the actor is a user without the right.
	ErrForbidden = fault.New(fault.Forbidden, "PERMISSION_DENIED", "permission denied")
)

// Authenticated reports whether the actor is a user.
func (a Actor) Authenticated() bool { return a.UserID > 0 }

// User returns the actor's user id, or ErrUnauthenticated.
func (a Actor) User() (int64, error) {
	if a.UserID <= 0 {
		return 0, ErrUnauthenticated
	}
	return a.UserID, nil
}

// AdminUser returns the id of an actor who is an administrator: first the
// actor must be a user (ErrUnauthenticated), then an administrator
// (ErrForbidden).
func (a Actor) AdminUser() (int64, error) {
	id, err := a.User()
	if err != nil {
		return 0, err
	}
	if !a.Admin {
		return 0, ErrForbidden
	}
	return id, nil
}

// HasRole reports whether the actor holds role.
func (a Actor) HasRole(role string) bool {
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Owns reports whether the actor is the user id (an owner check); the
// system and administrators are not owners by this test.
func (a Actor) Owns(userID int64) bool { return a.UserID > 0 && a.UserID == userID }
