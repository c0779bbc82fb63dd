// Package contacts holds the command handlers of 001's colleagues,
// departments and staff membership, one file per command. A colleague
// relation is decided on its own stream colleague-<user>-<colleague>, the
// department catalogue on departments-hhu, an admin's placement of a member
// on hhumember-<user>; each reads only the stream's last event and appends
// with the version read (commands/handling), so a relation is added once and
// names stay unique under any concurrency. Only members of the staff keep
// colleagues (the Membership port).
package contacts

import (
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Membership tells whether a user is on 001's staff (queries/contacts
// IsMember: placed in a department by an admin, bound through WeChat, or an
// administrator).
type Membership = handling.Membership

// Handlers executes the contact commands.
type Handlers struct {
	runner  *handling.Runner
	clock   Clock
	members Membership
}

// New returns the handlers; members decides who may keep colleagues.
func New(runner *handling.Runner, clock Clock, members Membership) *Handlers {
	return &Handlers{runner: runner, clock: clock, members: members}
}

func (h *Handlers) now(meta *eventlog.Metadata) {
	meta.OccurredAt = h.clock.Now().UTC()
}

// Result is where a command's events landed (the zero position when nothing
// changed).
type Result struct {
	Position eventlog.Position
}
