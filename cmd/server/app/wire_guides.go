package app

import (
	"context"
	"fmt"
	"path/filepath"

	guidescmd "github.com/fiveapis/backend/commands/guides"
	"github.com/fiveapis/backend/domain/guides"
	guidesproj "github.com/fiveapis/backend/projections/guides"
	guidesq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/files"
	"github.com/fiveapis/backend/transport/httpapi"
	guideshttp "github.com/fiveapis/backend/transport/httpapi/hhu/guides"
	"github.com/fiveapis/backend/transport/mail"
)

// GuideMailWorkerName is the name (checkpoint key) of the mail reaction that
// sends guides to the users who ask for them (the mail worker before it was
// "mail-guides").
const GuideMailWorkerName = "mail_guides"

// wireGuides builds 001's service guides: the projector, the routes
// (/guides/ and /api/admin/hhu/guides/), the file store (DATA_DIR/guides)
// and the mail that sends a guide for every GuideEmailRequested.
func wireGuides(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "guides", Events: guides.Events(), Projectors: guidesproj.All()}
	files, err := files.NewLocal(filepath.Join(p.Config.DataDir, "guides"))
	if err != nil {
		return m, fmt.Errorf("guides: %w", err)
	}
	dir := newContactDirectory(p)
	m.Reactions = p.mailReaction(GuideMailWorkerName, mail.GuideEmailFilter, mail.GuideEmails(dir, files))
	m.Routes = []httpapi.Routes{guideshttp.New(guideshttp.Deps{
		Commands: guidescmd.New(p.Runner, p.Clock),
		Queries:  guidesq.New(p.Pool),
		Files:    files,
		Emails:   dir,
		Clock:    p.Clock,
	})}
	return m, nil
}
