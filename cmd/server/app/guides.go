package app

import (
	"context"
	"path/filepath"

	guidecmd "github.com/fiveapis/backend/commands/guides"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
	guideproj "github.com/fiveapis/backend/projections/guides"
	guideq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/httpapi/filestore"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/mail"
)

// guideEvents lists the service-guide module's events for the codec.
func guideEvents() []eventlog.Event { return guides.Events() }

// GuideMailWorkerName is the name (checkpoint key) of the mail reaction that
// sends guides to the users who ask for them (the mail worker before it was
// "mail-guides").
const GuideMailWorkerName = "mail_guides"

// mountGuides wires 001's service guides: the projector, the routes (/guides/
// and /api/admin/hhu/guides/), the file store (DATA_DIR/guides) and the mail
// reaction that sends a guide for every GuideEmailRequested.
func (a *App) mountGuides(context.Context) error {
	files, err := filestore.NewLocal(filepath.Join(a.cfg.DataDir, "guides"))
	if err != nil {
		return err
	}
	dir := a.contactDirectory()
	if err := a.addMailReaction(GuideMailWorkerName, mail.GuideEmailFilter, mail.GuideEmails(dir, files)); err != nil {
		return err
	}
	a.projectors = append(a.projectors, guideproj.All()...)
	a.modules = append(a.modules, hhu.NewGuides(hhu.GuideDeps{
		Commands:    guidecmd.New(a.runner, a.clock),
		Queries:     guideq.New(a.pool),
		Files:       files,
		Emails:      dir,
		Clock:       a.clock,
		Consistency: a.consistency,
	}))
	return nil
}
