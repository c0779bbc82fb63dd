package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	ticketscmd "github.com/fiveapis/backend/commands/tickets"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
	identityproj "github.com/fiveapis/backend/projections/identity"
	ticketsproj "github.com/fiveapis/backend/projections/tickets"
	identityq "github.com/fiveapis/backend/queries/identity"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
	"github.com/fiveapis/backend/transport/files"
	"github.com/fiveapis/backend/transport/httpapi"
	ticketshttp "github.com/fiveapis/backend/transport/httpapi/magpie/tickets"
	"github.com/fiveapis/backend/transport/mail"
)

// TicketMailWorkerName is the name (checkpoint key) of the mail reaction
// that notifies a ticket's officials of its creation and status changes.
const TicketMailWorkerName = "mail_ticket_notices"

// wireTickets builds 003's tickets (Magpie): the projector, the tastypie
// resources under /api/lastest/, the object storage of ticket files (disk
// by default, S3 when MAGPIE_STORAGE=s3) and the job that discards files
// whose upload never completed.
func wireTickets(_ context.Context, p *Platform) (Module, error) {
	cfg := p.Config.Magpie
	m := Module{Name: "tickets", Events: tickets.Events(), Projectors: ticketsproj.All()}
	objects, err := magpieObjects(p, &m)
	if err != nil {
		return Module{}, err
	}
	cmds := ticketscmd.New(p.Runner, p.Clock)
	queries := ticketsq.New(p.Pool)
	m.Reactions = p.mailReaction(TicketMailWorkerName, mail.TicketNoticeFilter, mail.TicketNotices(newContactDirectory(p), queries))
	m.Jobs = []eventlog.Job{cmds.CleanupJob(staleFiles{queries}, objects, cmp.Or(cfg.UploadTTL, 48*time.Hour), 10*time.Minute)}
	m.Routes = append(m.Routes, ticketshttp.New(ticketshttp.Deps{
		Commands: cmds, Queries: queries, Users: identityq.New(identityproj.NewReader(p.Pool)),
		Storage: storage{objects}, Clock: p.Clock, URLTTL: cfg.URLTTL, MaxPictureBytes: cfg.MaxPictureBytes,
		MaxTapeBytes: cfg.MaxTapeBytes, PublicURL: p.Config.HTTP.PublicURL,
	}))
	return m, nil
}

// magpieObjects is the configured object storage; the disk adapter's
// signed URLs are routes of the module, the S3 bucket is prepared (made,
// CORS) in the background at start.
func magpieObjects(p *Platform, m *Module) (files.Objects, error) {
	cfg := p.Config.Magpie
	maxSize := max(cmp.Or(cfg.MaxPictureBytes, 10<<20), cmp.Or(cfg.MaxTapeBytes, 20<<20))
	if cfg.Storage == "s3" {
		s3, err := files.NewS3(files.S3Config{Endpoint: cfg.S3.Endpoint, UseSSL: cfg.S3.UseSSL, Region: cfg.S3.Region,
			Bucket: cfg.S3.Bucket, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey, Prefix: cfg.S3.Prefix})
		if err != nil {
			return nil, fmt.Errorf("magpie storage: %w", err)
		}
		m.Background = append(m.Background, func(ctx context.Context) error { return prepareBucket(ctx, p, "magpie", s3, cfg.CORSOrigins) })
		return s3, nil
	}
	disk, err := files.NewDisk(filepath.Join(p.Config.DataDir, "magpie"), p.Secret, maxSize, p.Clock.Now)
	if err != nil {
		return nil, fmt.Errorf("magpie storage: %w", err)
	}
	m.Routes = append(m.Routes, disk)
	return disk, nil
}

// prepareBucket makes the S3 bucket and sets its CORS rules, retrying every
// few seconds while the service cannot be reached (logged), so that an
// outage at start does not stop the server; idempotent, so every process
// may run it.
func prepareBucket(ctx context.Context, p *Platform, module string, s3 *files.S3, origins []string) error {
	for {
		err := s3.Prepare(ctx, origins)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		p.Logger.Warn(module+" storage: preparing the S3 bucket failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
}

// storage adapts files.Objects to the resources' port.
type storage struct{ files.Objects }

func (s storage) Get(ctx context.Context, key string, max int64) ([]byte, error) {
	data, err := s.Objects.Get(ctx, key, max)
	switch {
	case errors.Is(err, files.ErrNotFound):
		return nil, ticketshttp.ErrObjectMissing
	case errors.Is(err, files.ErrTooLarge):
		return nil, ticketshttp.ErrObjectTooLarge
	}
	return data, err
}

func (s storage) Location() ticketshttp.Location {
	d := s.Objects.Domain()
	return ticketshttp.Location{Name: d.Name, Protocol: d.Protocol, Location: d.Location, Port: d.Port, Prefix: d.Prefix}
}

// staleFiles adapts the query to the job's port.
type staleFiles struct{ q *ticketsq.Queries }

func (s staleFiles) StaleFiles(ctx context.Context, before time.Time, limit int) ([]ticketscmd.StaleFile, error) {
	fs, err := s.q.StaleFiles(ctx, before, limit)
	out := make([]ticketscmd.StaleFile, len(fs))
	for i, f := range fs {
		out[i] = ticketscmd.StaleFile(f)
	}
	return out, err
}

var _ httpapi.Routes = (*files.Disk)(nil)
