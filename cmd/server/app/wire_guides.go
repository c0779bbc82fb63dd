package app

import (
	"context"
	"fmt"
	"path/filepath"

	guidecmd "github.com/fiveapis/backend/commands/guides"
	"github.com/fiveapis/backend/domain/guides"
	guideproj "github.com/fiveapis/backend/projections/guides"
	guideq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/files"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/mail"
)

// GuideMailWorkerName is the checkpoint key of the mail worker that sends
// guides to the users who ask for them.
const GuideMailWorkerName = "mail-guides"

// wireGuides builds 001's service guides: the projector, the routes
// (/guides/ and /api/admin/hhu/guides/), the file store (DATA_DIR/guides)
// and the mail that sends a guide for every GuideEmailRequested.
func wireGuides(ctx context.Context, p *Platform) (Module, error) {
	m := Module{Name: "guides", Events: guides.Events(), Projectors: guideproj.All()}
	files, err := files.NewLocal(filepath.Join(p.Config.DataDir, "guides"))
	if err != nil {
		return m, fmt.Errorf("guides: %w", err)
	}
	dir := newContactDirectory(p)
	_, run, err := p.mailWorker(ctx, GuideMailWorkerName, mail.GuideEmailFilter, mail.GuideEmails(dir, files))
	if err != nil {
		return m, fmt.Errorf("guides: %w", err)
	}
	if run != nil {
		m.Background = append(m.Background, run)
	}
	m.Routes = []httpapi.Routes{hhu.NewGuides(hhu.GuideDeps{
		Commands:    guidecmd.New(p.Runner, p.Clock),
		Queries:     guideq.New(p.Pool),
		Files:       files,
		Emails:      dir,
		Clock:       p.Clock,
		Consistency: p.Consistency,
	})}
	return m, nil
}
