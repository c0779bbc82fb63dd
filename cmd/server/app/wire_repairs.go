package app

import (
	"context"
	"fmt"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	repaircmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/repairs"
	repairproj "github.com/fiveapis/backend/projections/repairs"
	repairq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/mail"
)

// RepairMailWorkerName is the checkpoint key of the mail worker that notifies
// the subscribed addresses of every repair request.
const RepairMailWorkerName = "mail-repair-notices"

// wireRepairs builds 001's repair requests: the projector, the routes
// (/repairs/ and /api/admin/hhu/repairs/) and the mail that notifies the
// addresses each RepairRequested resolved.
func wireRepairs(ctx context.Context, p *Platform) (Module, error) {
	m := Module{Name: "repairs", Events: repairs.Events(), Projectors: repairproj.All()}
	_, run, err := p.mailWorker(ctx, RepairMailWorkerName, mail.RepairNoticeFilter, mail.RepairNotices(newContactDirectory(p), roomcmd.DefaultZone))
	if err != nil {
		return m, fmt.Errorf("repairs: %w", err)
	}
	if run != nil {
		m.Background = append(m.Background, run)
	}
	m.Routes = []httpapi.Routes{hhu.NewRepairs(hhu.RepairDeps{
		Commands:    repaircmd.New(p.Runner, p.Clock),
		Queries:     repairq.New(p.Pool),
		Clock:       p.Clock,
		Consistency: p.Consistency,
	})}
	return m, nil
}
