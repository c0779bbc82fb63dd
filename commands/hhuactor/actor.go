// Package hhuactor is who issues the commands of 001's teachers' services
// (meeting rooms, contacts, guides, repairs, activities, clock-in) and the
// two ways such a command refuses its actor, in the API's (Django REST
// framework's) words. The command packages share it so that every one of
// them authenticates and authorizes alike.
package hhuactor

import (
	"strconv"

	"github.com/fiveapis/backend/domain/fault"
)

// Actor is who issues a command: the authenticated user's id (decimal) and
// whether the user is an administrator.
type Actor struct {
	UserID  string
	IsAdmin bool
}

// Errors of the actor checks.
var (
	// ErrNotAuthenticated: the actor names no user.
	ErrNotAuthenticated = fault.New(fault.Unauthenticated, "NOT_AUTHENTICATED", "Authentication credentials were not provided.")
	// ErrForbidden: a management command of a user who is not an administrator.
	ErrForbidden = fault.New(fault.Forbidden, "PERMISSION_DENIED", "You do not have permission to perform this action.")
)

// ID returns the actor's user id, or ErrNotAuthenticated.
func (a Actor) ID() (int64, error) {
	id, err := strconv.ParseInt(a.UserID, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotAuthenticated
	}
	return id, nil
}

// Admin returns the id of an actor who is an administrator: first the actor
// must name a user (ErrNotAuthenticated), then be an administrator
// (ErrForbidden), as DRF's IsAdminUser answers.
func (a Actor) Admin() (int64, error) {
	id, err := a.ID()
	if err != nil {
		return 0, err
	}
	if !a.IsAdmin {
		return 0, ErrForbidden
	}
	return id, nil
}

// RequireAdmin is Admin without the id.
func (a Actor) RequireAdmin() error {
	_, err := a.Admin()
	return err
}
