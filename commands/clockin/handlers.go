// Package clockin holds the command handlers of 001's clock-in: one file per
// command. An activity's items and staff are decided on its clockinsetup-<id>
// stream (the whole, short stream is read, so labels stay unique under
// concurrent edits); a clock-in is decided on clockin-<item>-<user>, which
// must not exist yet: of any number of concurrent clock-ins of one user at
// one item exactly one is appended, the others reload, find it and get
// clockin.ErrAlreadyClockedIn.
package clockin

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Activities is what the commands need to know of activities and their
// enrollments; queries/activities implements it.
type Activities interface {
	ActivityExists(ctx context.Context, activityID int64) (bool, error)
	Enrolled(ctx context.Context, activityID, userID int64) (bool, error)
}

// Users tells whether a user exists (for staff assignments).
type Users interface {
	UserExists(ctx context.Context, userID int64) (bool, error)
}

// CodeChecker checks a QR payload for an item and returns its window;
// *clockin.CodeSigner implements it.
type CodeChecker interface {
	Check(payload string, itemID int64, now time.Time) (int64, error)
}

// Handlers executes the clock-in commands.
type Handlers struct {
	runner     *handling.Runner
	store      handling.EventStore
	clock      Clock
	activities Activities
	users      Users
	codes      CodeChecker
}

// New returns the handlers.
func New(runner *handling.Runner, clock Clock, activities Activities, users Users, codes CodeChecker) *Handlers {
	return &Handlers{runner: runner, store: runner.Store(), clock: clock, activities: activities, users: users, codes: codes}
}

// Errors of the commands.
var (
	ErrActivityNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
)

// ErrNoSuchUser answers a staff assignment naming a user that does not
// exist, as DRF's PrimaryKeyRelatedField does.
func ErrNoSuchUser(id int64) error {
	return fault.Invalidf("user", "Invalid pk \"%d\" - object does not exist.", id)
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// requireActivity checks that the activity exists.
func (h *Handlers) requireActivity(ctx context.Context, activityID int64) error {
	ok, err := h.activities.ActivityExists(ctx, activityID)
	if err != nil {
		return fmt.Errorf("activity %d exists: %w", activityID, err)
	}
	if !ok {
		return ErrActivityNotFound
	}
	return nil
}

// requireAdmin checks that the actor is an admin and the activity exists.
func (h *Handlers) requireAdmin(ctx context.Context, a access.Actor, activityID int64) error {
	if _, err := a.AdminUser(); err != nil {
		return err
	}
	return h.requireActivity(ctx, activityID)
}

// decideSetup runs a decision over an activity's whole setup stream.
func (h *Handlers) decideSetup(ctx context.Context, activityID int64, meta eventlog.Metadata, decide func(clockin.Setup) ([]eventlog.Event, error)) (handling.Result, error) {
	return h.runner.Execute(ctx, clockin.SetupStream(activityID), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		return decide(setupOf(activityID, history))
	})
}

func setupOf(activityID int64, history []eventlog.Envelope) clockin.Setup {
	evs := make([]eventlog.Event, len(history))
	for i, env := range history {
		evs[i] = env.Event
	}
	return clockin.SetupFrom(activityID, evs)
}

// LoadSetup returns an activity's items and staff from its stream.
func (h *Handlers) LoadSetup(ctx context.Context, activityID int64) (clockin.Setup, error) {
	history, _, err := h.store.Load(ctx, clockin.SetupStream(activityID))
	if err != nil {
		return clockin.Setup{}, fmt.Errorf("load clock-in setup of activity %d: %w", activityID, err)
	}
	return setupOf(activityID, history), nil
}

func itemOf(id, activityID int64, label string, from, to time.Time) clockin.Item {
	return clockin.Item{ID: id, ActivityID: activityID, ItemSpec: clockin.ItemSpec{Label: label, OpenFrom: from, OpenTo: to}}
}

// Result is where a command's events landed.
type Result struct {
	Position eventlog.Position
}
