package app

import (
	"context"
	"errors"
	"fmt"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
	clockinproj "github.com/fiveapis/backend/projections/clockin"
	identityproj "github.com/fiveapis/backend/projections/identity"
	activityq "github.com/fiveapis/backend/queries/activities"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// clockInEvents lists the clock-in module's events for the codec.
func clockInEvents() []eventlog.Event { return clockin.Events() }

// mountClockIn wires 001's clock-in: the projector and the HHU routes
// (/activities/clockins/… and the admin routes under
// /api/admin/hhu/activities/{activity}/clockin-items/ and clockin-staff/).
// Activities and enrollments come from the activities read model
// (queries/activities), users from the identity read model. It appends to
// a.projectors and a.modules.
func (a *App) mountClockIn(context.Context) error {
	signer, err := clockin.NewCodeSigner(a.secret)
	if err != nil {
		return fmt.Errorf("clock-in: %w", err)
	}
	activities := activityq.New(a.pool)
	users := clockInUsers{q: identityq.New(identityproj.NewReader(a.pool))}
	routes, err := hhu.NewClockIns(hhu.ClockInDeps{
		Commands:    clockincmd.New(a.runner, a.clock, activities, users, signer),
		Queries:     clockinq.New(a.pool),
		Activities:  activities,
		Codes:       signer,
		Clock:       a.clock,
		Consistency: a.consistency,
		Zone:        roomcmd.DefaultZone,
		LinkSecret:  a.secret,
		PublicURL:   a.cfg.PublicURL,
	})
	if err != nil {
		return fmt.Errorf("clock-in: %w", err)
	}
	a.projectors = append(a.projectors, clockinproj.All()...)
	a.modules = append(a.modules, routes)
	return nil
}

// clockInUsers adapts the identity queries to the clock-in commands' Users
// port.
type clockInUsers struct{ q *identityq.Queries }

func (d clockInUsers) UserExists(ctx context.Context, id int64) (bool, error) {
	_, err := d.q.UserByID(ctx, identityq.UserByID{ID: id})
	if errors.Is(err, identityq.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("user %d: %w", id, err)
	}
	return true, nil
}
