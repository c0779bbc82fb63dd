package app

import (
	"context"
	"fmt"

	activitiescmd "github.com/fiveapis/backend/commands/activities"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/activities"
	activitiesproj "github.com/fiveapis/backend/projections/activities"
	activitiesq "github.com/fiveapis/backend/queries/activities"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi"
	activitieshttp "github.com/fiveapis/backend/transport/httpapi/hhu/activities"
)

// wireActivities builds 001's activities and enrollments: the projector and
// the HHU routes (/activities/, /enrollments/ and the admin routes under
// /api/admin/hhu/activities/). Enrollment answers are personal data, sealed
// in the vault under the user's subject, so erasing the user erases them.
// The enrollment records read the clock-in module's labels (queries/clockin).
func wireActivities(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "activities", Events: activities.Events(), Projectors: activitiesproj.All(vaultPD{p.Vault})}
	cmds, err := activitiescmd.New(p.Runner, p.Clock, p.Vault, hhuMembership(p), activitiescmd.Config{})
	if err != nil {
		return m, fmt.Errorf("activities: %w", err)
	}
	m.Routes = []httpapi.Routes{activitieshttp.New(activitieshttp.Deps{
		Commands: cmds,
		Queries:  activitiesq.New(p.Pool),
		ClockIns: clockinq.New(p.Pool),
		Clock:    p.Clock,
		Zone:     meetingroomscmd.DefaultZone,
	})}
	return m, nil
}
