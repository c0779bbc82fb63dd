package app

import (
	"context"
	"errors"
	"fmt"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/clockin"
	clockinproj "github.com/fiveapis/backend/projections/clockin"
	identityproj "github.com/fiveapis/backend/projections/identity"
	activitiesq "github.com/fiveapis/backend/queries/activities"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	clockinhttp "github.com/fiveapis/backend/transport/httpapi/hhu/clockin"
)

// wireClockIn builds 001's clock-in: the projector and the HHU routes
// (/activities/clockins/… and the admin routes under
// /api/admin/hhu/activities/{activity}/clockin-items/ and clockin-staff/).
// Activities and enrollments come from the activities read model, users
// from the identity read model.
func wireClockIn(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "clockin", Events: clockin.Events(), Projectors: clockinproj.All()}
	signer, err := clockin.NewCodeSigner(p.Secret)
	if err != nil {
		return m, fmt.Errorf("clock-in: %w", err)
	}
	acts := activitiesq.New(p.Pool)
	users := clockInUsers{q: identityq.New(identityproj.NewReader(p.Pool))}
	routes, err := clockinhttp.New(clockinhttp.Deps{
		Commands:   clockincmd.New(p.Runner, p.Clock, acts, users, signer),
		Queries:    clockinq.New(p.Pool),
		Activities: acts,
		Codes:      signer,
		Clock:      p.Clock,
		Zone:       meetingroomscmd.DefaultZone,
		LinkSecret: p.Secret,
		PublicURL:  p.Config.HTTP.PublicURL,
	})
	if err != nil {
		return m, fmt.Errorf("clock-in: %w", err)
	}
	m.Routes = []httpapi.Routes{routes}
	return m, nil
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
