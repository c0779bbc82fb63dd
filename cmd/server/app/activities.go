package app

import (
	"context"
	"fmt"

	actcmd "github.com/fiveapis/backend/commands/activities"
	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
	actproj "github.com/fiveapis/backend/projections/activities"
	actq "github.com/fiveapis/backend/queries/activities"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// activityEvents lists the activity module's events for the codec.
func activityEvents() []eventlog.Event { return activities.Events() }

// mountActivities wires 001's activities and enrollments: the projector and
// the HHU routes (/activities/, /enrollments/ and the admin routes under
// /api/admin/hhu/activities/). The enrollment records read the clock-in
// module's labels (queries/clockin). It appends to a.projectors and
// a.modules.
func (a *App) mountActivities(context.Context) error {
	// Answers are personal data: sealed in the identity module's vault under
	// the user's subject, so erasing the user erases them.
	vault := a.identity.vault
	if vault == nil {
		return fmt.Errorf("activities: the personal-data vault is not open (mount identity first)")
	}
	cmds, err := actcmd.New(a.runner, a.clock, vault, actcmd.Config{})
	if err != nil {
		return fmt.Errorf("activities: %w", err)
	}
	a.projectors = append(a.projectors, actproj.All(vaultPD{vault})...)
	a.modules = append(a.modules, hhu.NewActivities(hhu.ActivityDeps{
		Commands:           cmds,
		Queries:            actq.New(a.pool),
		ClockIns:           clockinq.New(a.pool),
		ClockInProjections: []string{clockinq.ProjectionName},
		Clock:              a.clock,
		Zone:               roomcmd.DefaultZone,
		Consistency:        a.consistency,
	}))
	return nil
}
