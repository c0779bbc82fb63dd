package app

import (
	"context"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	repairscmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/repairs"
	repairsproj "github.com/fiveapis/backend/projections/repairs"
	repairsq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi"
	repairshttp "github.com/fiveapis/backend/transport/httpapi/hhu/repairs"
	"github.com/fiveapis/backend/transport/mail"
)

// RepairMailWorkerName is the name (checkpoint key) of the mail reaction that
// notifies the subscribed addresses of every repair request (the mail worker
// before it was "mail-repair-notices").
const RepairMailWorkerName = "mail_repair_notices"

// wireRepairs builds 001's repair requests: the projector, the routes
// (/repairs/ and /api/admin/hhu/repairs/) and the mail that notifies the
// addresses each RepairRequested resolved.
func wireRepairs(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "repairs", Events: repairs.Events(), Projectors: repairsproj.All()}
	m.Reactions = p.mailReaction(RepairMailWorkerName, mail.RepairNoticeFilter, mail.RepairNotices(newContactDirectory(p), meetingroomscmd.DefaultZone))
	m.Routes = []httpapi.Routes{repairshttp.New(repairshttp.Deps{
		Commands: repairscmd.New(p.Runner, p.Clock, hhuMembership(p)),
		Queries:  repairsq.New(p.Pool),
		Clock:    p.Clock,
	})}
	return m, nil
}
