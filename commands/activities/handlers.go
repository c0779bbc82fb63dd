// Package activities holds the command handlers of 001's activities and
// enrollments: one file per command. An activity and every enrollment in it
// live on one stream, activity-<id>; each command loads that stream, folds it
// (domain/activities.Fold), decides and appends with the exact version read.
// So of any number of concurrent enrollments (in any number of processes)
// only one append at a time succeeds; the others reload, see the new
// enrollment and decide again, which keeps the participant limit and "once
// per user" exact without locks.
package activities

import (
	"context"
	"errors"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// PersonalData seals enrollment answers in the erasable personal-data vault
// (*personaldata.Vault).
type PersonalData interface {
	Seal(ctx context.Context, subject, plaintext string) (string, error)
}

// Config configures the handlers.
type Config struct {
	// Attempts bounds the reloads of an activity stream under contention
	// (a popular activity is hot when enrollment opens).
	Attempts int
}

// DefaultConfig holds the defaults of zero fields.
var DefaultConfig = Config{Attempts: 200}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Attempts < 0 {
		return errors.New("activities: negative Attempts")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Attempts <= 0 {
		c.Attempts = DefaultConfig.Attempts
	}
	return c
}

// Handlers executes the activity commands.
type Handlers struct {
	runner  *handling.Runner // activity streams: many attempts, enrollment is contended
	seqs    *handling.Runner // id sequences
	store   handling.EventStore
	clock   Clock
	pd      PersonalData
	members Membership
}

// Membership tells whether a user is on 001's staff (queries/contacts
// IsMember): only members and administrators enroll in the college's
// activities.
type Membership = handling.Membership

// New returns the handlers over runner's event store; answers are sealed
// with pd; members decides who may enroll.
func New(runner *handling.Runner, clock Clock, pd PersonalData, members Membership, cfg Config) (*Handlers, error) {
	if pd == nil {
		return nil, errors.New("activities: no personal-data vault")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	store := runner.Store()
	return &Handlers{
		runner:  handling.NewRunner(store, handling.Config{MaxAttempts: cfg.Attempts, Backoff: 2 * time.Millisecond}),
		seqs:    handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:   store,
		clock:   clock,
		pd:      pd,
		members: members,
	}, nil
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// load folds an activity's stream.
func (h *Handlers) load(ctx context.Context, id int64) (activities.Activity, error) {
	history, _, err := h.store.Load(ctx, activities.Stream(id))
	if err != nil {
		return activities.Activity{}, err
	}
	return activities.Fold(history), nil
}

// allocate takes one id of the named sequence.
func (h *Handlers) allocate(ctx context.Context, name string, meta eventlog.Metadata) (int64, error) {
	ids, err := h.seqs.AllocateIDs(ctx, name, 1, "", meta)
	if err != nil {
		return 0, err
	}
	return ids.First, nil
}

// ActivityResult is an activity after a command and where its events landed
// (the zero position when nothing changed).
type ActivityResult struct {
	Activity activities.Activity
	Position eventlog.Position
}

// Result is where a command's events landed.
type Result struct {
	Position eventlog.Position
}
