package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/operations"
	"github.com/fiveapis/backend/transport/mail"
)

// mailParts are the mail workers started with startMailWorker.
type mailParts struct {
	workers mail.Workers
}

// startMailWorker creates a mail worker over the configured SMTP server and
// adds it to a.workers and a.mail.workers (the operators' parked-mail routes
// see it). Without SMTP_ADDR it returns nil: nothing is mailed.
func (a *App) startMailWorker(ctx context.Context, name string, filter eventlog.Filter, render mail.Renderer) (*mail.Worker, error) {
	if a.cfg.SMTPAddr == "" {
		a.logger.Warn("SMTP_ADDR is not set: mail is not sent", "worker", name)
		return nil, nil
	}
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{
		Addr: a.cfg.SMTPAddr, From: a.cfg.SMTPFrom, Username: a.cfg.SMTPUsername, Password: a.cfg.SMTPPassword,
		StartTLS: a.cfg.SMTPStartTLS,
	})
	if err != nil {
		return nil, fmt.Errorf("SMTP_ADDR: %w", err)
	}
	w, err := mail.NewWorker(ctx, a.pool, a.store, a.codec, sender, render,
		mail.WorkerConfig{Name: name, Filter: filter, MaxAttempts: a.cfg.MailMaxAttempts, Backoff: a.cfg.MailRetryBackoff, Logger: a.logger})
	if err != nil {
		return nil, fmt.Errorf("mail worker %s: %w", name, err)
	}
	a.mail.workers = append(a.mail.workers, w)
	a.workers = append(a.workers, w.Run)
	return w, nil
}

// MailWorkers are every mail worker of the server (the verification codes'
// and those started with startMailWorker).
func (a *App) MailWorkers() mail.Workers {
	ws := mail.Workers{}
	if a.identity.mailWorker != nil {
		ws = append(ws, a.identity.mailWorker)
	}
	return append(ws, a.mail.workers...)
}

// mountMailOperations adds the operators' routes over the parked deliveries
// of every mail worker (/api/admin/mail/parked/).
func (a *App) mountMailOperations(context.Context) error {
	a.modules = append(a.modules, operations.MailModule{Mail: mailOps{a}})
	return nil
}

// mailOps adapts the mail workers to operations.Mail (read through the App:
// workers are added while the modules mount).
type mailOps struct{ a *App }

func (o mailOps) ParkedMail(ctx context.Context, worker string) ([]operations.ParkedMail, error) {
	ps, err := o.a.MailWorkers().Parked(ctx, worker)
	if err != nil {
		return nil, err
	}
	out := make([]operations.ParkedMail, len(ps))
	for i, p := range ps {
		out[i] = operations.ParkedMail(p)
	}
	return out, nil
}

func (o mailOps) ReplayMail(ctx context.Context, id int64) error {
	err := o.a.MailWorkers().Replay(ctx, id)
	if errors.Is(err, mail.ErrParkedNotFound) {
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked mail").Wrap(err)
	}
	return err
}

// contactDirectory adapts the identity read model to the mail renderers' and
// the HHU routes' ports: a user's name and current e-mail address.
type contactDirectory struct{ q *identityq.Queries }

func (a *App) contactDirectory() contactDirectory {
	return contactDirectory{identityq.New(identityproj.NewReader(a.pool))}
}

func (d contactDirectory) Contact(ctx context.Context, userID int64) (mail.Contact, error) {
	u, err := d.q.UserByID(ctx, identityq.UserByID{ID: userID})
	if errors.Is(err, identityq.ErrNotFound) {
		return mail.Contact{}, nil
	}
	if err != nil {
		return mail.Contact{}, err
	}
	return mail.Contact{Username: u.Username, Email: u.Email}, nil
}

func (d contactDirectory) EmailOf(ctx context.Context, userID int64) (string, error) {
	c, err := d.Contact(ctx, userID)
	return c.Email, err
}
