package app

import (
	"context"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	repaircmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
	repairproj "github.com/fiveapis/backend/projections/repairs"
	repairq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/mail"
)

// repairEvents lists the repair module's events for the codec.
func repairEvents() []eventlog.Event { return repairs.Events() }

// RepairMailWorkerName is the name (checkpoint key) of the mail reaction that
// notifies the subscribed addresses of every repair request (the mail worker
// before it was "mail-repair-notices").
const RepairMailWorkerName = "mail_repair_notices"

// mountRepairs wires 001's repair requests: the projector, the routes
// (/repairs/ and /api/admin/hhu/repairs/) and the mail reaction that notifies
// the addresses each RepairRequested resolved.
func (a *App) mountRepairs(context.Context) error {
	if err := a.addMailReaction(RepairMailWorkerName, mail.RepairNoticeFilter,
		mail.RepairNotices(a.contactDirectory(), roomcmd.DefaultZone)); err != nil {
		return err
	}
	a.projectors = append(a.projectors, repairproj.All()...)
	a.modules = append(a.modules, hhu.NewRepairs(hhu.RepairDeps{
		Commands:    repaircmd.New(a.runner, a.clock),
		Queries:     repairq.New(a.pool),
		Clock:       a.clock,
		Consistency: a.consistency,
	}))
	return nil
}
