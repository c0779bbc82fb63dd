// Package contacts holds the command handlers of 001's colleagues and
// departments, one file per command. A colleague relation is decided on its
// own stream colleague-<user>-<colleague>, the department catalogue on
// departments-hhu; both read only the stream's last event and append with the
// version read (commands/handling), so a relation is added once and names
// stay unique under any concurrency.
package contacts

import (
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

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

// Result is where a command's events landed (the zero position when nothing
// changed).
type Result struct {
	Position eventlog.Position
}
