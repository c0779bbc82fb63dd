// Package contacts holds the command handlers of 001's colleagues and
// departments, one file per command. A colleague relation is decided on its
// own stream colleague-<user>-<colleague>, the department catalogue on
// departments-hhu; both read only the stream's last event and append with the
// version read (commands/handling), so a relation is added once and names
// stay unique under any concurrency.
package contacts

import (
	"strconv"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Actor is who issues a command.
type Actor struct {
	UserID  string
	IsAdmin bool
}

// Handlers executes the contact commands.
type Handlers struct {
	runner *handling.Runner
	clock  Clock
}

// New returns the handlers.
func New(runner *handling.Runner, clock Clock) *Handlers {
	return &Handlers{runner: runner, clock: clock}
}

func (h *Handlers) now(meta *eventlog.Metadata) {
	meta.OccurredAt = h.clock.Now().UTC()
}

// ErrForbidden answers a non-admin's department management.
var ErrForbidden = fault.New(fault.Forbidden, "PERMISSION_DENIED", "You do not have permission to perform this action.")

var errUnauthenticated = fault.New(fault.Unauthenticated, "NOT_AUTHENTICATED", "Authentication credentials were not provided.")

func userID(a Actor) (int64, error) {
	id, err := strconv.ParseInt(a.UserID, 10, 64)
	if err != nil || id <= 0 {
		return 0, errUnauthenticated
	}
	return id, nil
}

func requireAdmin(a Actor) error {
	if _, err := userID(a); err != nil {
		return err
	}
	if !a.IsAdmin {
		return ErrForbidden
	}
	return nil
}
