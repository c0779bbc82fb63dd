package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/projections/engine"
	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/operations"
	"github.com/fiveapis/backend/transport/mail"
)

// mailParts name the mail reactions added with addMailReaction.
type mailParts struct {
	names []string
}

// addMailReaction adds the reaction name that renders the events filter lets
// through and mails them over the configured SMTP server, with the mail
// retry settings (a.reactions; the operators' parked-mail routes see it).
// Without SMTP_ADDR it adds nothing: nothing is mailed.
func (a *App) addMailReaction(name string, filter eventlog.Filter, render mail.Renderer) error {
	if a.cfg.SMTPAddr == "" {
		a.logger.Warn("SMTP_ADDR is not set: mail is not sent", "reaction", name)
		return nil
	}
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{
		Addr: a.cfg.SMTPAddr, From: a.cfg.SMTPFrom, Username: a.cfg.SMTPUsername, Password: a.cfg.SMTPPassword,
		StartTLS: a.cfg.SMTPStartTLS,
	})
	if err != nil {
		return fmt.Errorf("SMTP_ADDR: %w", err)
	}
	r := mail.NewReaction(name, filter, render, sender)
	r.MaxAttempts, r.Backoff = a.cfg.MailMaxAttempts, a.cfg.MailRetryBackoff
	a.reactions = append(a.reactions, r)
	a.mail.names = append(a.mail.names, name)
	return nil
}

// Mail is the operators' view of the mail reactions' parked deliveries: the
// engine's parked events of those reactions (operators, tests).
func (a *App) Mail() operations.Mail { return mailOps{a} }

// mountMailOperations adds the operators' routes over the parked deliveries
// of every mail reaction (/api/admin/mail/parked/).
func (a *App) mountMailOperations(context.Context) error {
	a.modules = append(a.modules, operations.MailModule{Mail: mailOps{a}})
	return nil
}

// mailOps adapts the engine to operations.Mail: its parked events of the mail
// reactions (read through the App: the engine is built after the modules).
type mailOps struct{ a *App }

func (o mailOps) ParkedMail(ctx context.Context, reaction string) ([]operations.ParkedMail, error) {
	ps, err := o.mailParked(ctx)
	if err != nil {
		return nil, err
	}
	out := []operations.ParkedMail{}
	for _, p := range ps {
		if reaction != "" && p.Projection != reaction {
			continue
		}
		out = append(out, operations.ParkedMail{ID: p.ID, Worker: p.Projection, EventID: p.EventID, StreamID: p.StreamID,
			Position: p.Position.String(), EventType: p.Type, Attempts: p.Attempts, LastError: p.Error, ParkedAt: p.ParkedAt})
	}
	return out, nil
}

func (o mailOps) ReplayMail(ctx context.Context, id int64) error {
	ps, err := o.mailParked(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ps, func(p engine.ParkedEvent) bool { return p.ID == id }) {
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked mail")
	}
	err = o.a.engine.ReplayParked(ctx, id)
	if errors.Is(err, engine.ErrParkedNotFound) {
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked mail").Wrap(err)
	}
	return err
}

// mailParked lists the parked events of the mail reactions.
func (o mailOps) mailParked(ctx context.Context) ([]engine.ParkedEvent, error) {
	all, err := o.a.engine.Parked(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []engine.ParkedEvent
	for _, p := range all {
		if p.Kind == engine.KindReaction && slices.Contains(o.a.mail.names, p.Projection) {
			out = append(out, p)
		}
	}
	return out, nil
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
